"""One model call that reads a digit and shows the network's insides.

A :class:`LivePredictor` wraps a loaded model so that a single call on one 28x28 digit returns
its 10 probabilities and the feature maps of every convolution layer, fast enough to run on
every pen stroke (a traced graph with a fixed input shape: ~1-2 ms for the tutorial's CNN,
where ``model.predict`` costs ~50 ms). The draw pad and the "What is this?" panel use it.
"""

from __future__ import annotations

import numpy as np


def _is_conv2d(layer) -> bool:
    if "Conv" not in type(layer).__name__ or not hasattr(layer, "kernel"):
        return False
    try:
        return len(layer.output.shape) == 4
    except Exception:  # noqa: BLE001 - a layer never called has no output
        return False


def _conv_host(model):
    """The (sub)model whose layers include the convolutions, and the input shape it takes.

    Usually the model itself.  For a model that core wrapped to adapt its input (Input ->
    Reshape -> the file's model), the file's model, fed the reshaped image.
    """
    import keras

    if any(_is_conv2d(layer) for layer in model.layers):
        return model, tuple(model.inputs[0].shape[1:])
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    others = [layer for layer in model.layers if not isinstance(layer, keras.Model)]
    if len(nested) == 1 and all(type(layer).__name__ in ("InputLayer", "Reshape", "Flatten") for layer in others):
        host, shape = _conv_host(nested[0])
        if host is not None:
            return host, shape
    return None, None


class LivePredictor:
    """Reads 28x28 uint8 digits with one model call that also returns the convolution layers'
    feature maps.  Built once per model (off the GUI thread: it traces a graph and warms up)."""

    def __init__(self, loaded):
        import keras

        from core.spec import INPUT_SHAPE

        model = loaded.model
        self.loaded = loaded
        self.conv_names: list[str] = []
        self.first_filters: np.ndarray | None = None
        host, host_shape = _conv_host(model)
        probe, feed = model, INPUT_SHAPE
        if host is not None:
            convs = [layer for layer in host.layers if _is_conv2d(layer)]
            try:
                probe = keras.Model(inputs=host.inputs[0],
                                    outputs=[layer.output for layer in convs] + [host.outputs[0]])
                feed = host_shape
                self.conv_names = [layer.name for layer in convs]
                kernel = np.asarray(convs[0].kernel.numpy() if hasattr(convs[0].kernel, "numpy")
                                    else convs[0].kernel, np.float32)
                self.first_filters = kernel if kernel.ndim == 4 else None
            except Exception:  # noqa: BLE001 - an unusual graph: probabilities only
                probe, feed, self.conv_names, self.first_filters = model, INPUT_SHAPE, [], None
        self._feed_shape = (1, *feed)
        self._call = self._compile(probe, self._feed_shape)
        self(np.zeros((28, 28), np.uint8))  # trace and warm up now, not on the first stroke

    @staticmethod
    def _compile(probe, shape):
        import keras

        if keras.config.backend() == "tensorflow":
            import tensorflow as tf

            # A fixed input signature: traced once, then each call runs the graph (~1-2 ms for the
            # tutorial's CNN, where an eager call of the multi-output model costs ~10 ms and
            # model.predict ~50 ms).
            graph = tf.function(lambda x: probe(x, training=False),
                                input_signature=[tf.TensorSpec(shape, tf.float32)])
            return lambda x: graph(tf.constant(x))
        return lambda x: probe(x, training=False)

    def __call__(self, seen: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """(probabilities (10,), feature maps [(H, W, C) per conv layer]) for one uint8 28x28 digit."""
        from core.data import to_model_input

        x = to_model_input(seen).reshape(self._feed_shape)  # exactly as core scores images
        outputs = self._call(x)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        arrays = [np.asarray(o, dtype=np.float32) for o in outputs]
        return arrays[-1][0], [a[0] for a in arrays[:-1]]
