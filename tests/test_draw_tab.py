"""The Draw tab: strokes drawn with real mouse events give a live prediction; clear; what the
model sees is core's preprocessing (the same as ``main.py predict``); pictures opened or pasted;
"my digits"; switching models; and loading model files through the window -- a malicious file
(a Lambda layer holding bytecode) is refused without its code running, an invalid one leaves the
previous model active.

The model is a Small CNN trained for one epoch on 3,000 MNIST images (~90 %), built once per
test session; without the MNIST file it stays untrained (the plumbing is tested all the same).
Accuracy on drawn digits is tested with the shipped model, and skipped when it is absent.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.conftest import real_mnist_path

WAIT_MS = 120_000  # generous: the machine is shared; nothing here measures time
# Keras's own model saving trips a NumPy 2 deprecation notice; it is not about this code.
KERAS_SAVE_NOTICE = "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"


# Fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def quick_model():
    """A LoadedModel: Small CNN, 1 epoch on 3,000 MNIST training images (untrained without MNIST)."""
    from core.runtime import import_tensorflow

    import_tensorflow()
    import keras

    from core.data import load_path, to_model_input
    from core.model_io import build_model, check_model
    from core.spec import small_cnn

    keras.utils.set_random_seed(0)
    model = build_model(small_cnn())
    path = real_mnist_path()
    if path is not None:
        data = load_path(path)
        model.fit(to_model_input(data.x_train[:3000]), data.y_train[:3000], epochs=1, batch_size=64, verbose=0)
    loaded = check_model(model)
    loaded.name = "quick small CNN"
    return loaded


@pytest.fixture
def isolated(tmp_path, qapp, monkeypatch):
    """QSettings and "my digits" under tmp_path, never in the user's real folders."""
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "settings"))
    monkeypatch.setenv("MNIST_STUDIO_MY_DIGITS", str(tmp_path / "my_digits.npz"))
    yield tmp_path
    QSettings().clear()


@pytest.fixture
def make_tab(qtbot, isolated):
    from gui.draw_tab import DrawTab
    from gui.session import Session

    def make(model=None):
        session = Session()
        tab = DrawTab(session)
        qtbot.addWidget(tab)
        tab.resize(1280, 760)
        tab.show()
        qtbot.waitExposed(tab)
        if model is not None:
            session.set_model(model)
            qtbot.waitUntil(lambda: tab.predictor is not None, timeout=WAIT_MS)
        return tab

    yield make
    from gui.tasks import wait_for_tasks

    wait_for_tasks()  # no background job of one test ends in the next


@pytest.fixture
def window(qtbot, isolated, monkeypatch):
    """The real main window, Draw tab current, TensorFlow ready; message boxes recorded, not shown."""
    from gui.main_window import MainWindow

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append((title, text)))
    win = MainWindow(load_defaults=False)
    qtbot.addWidget(win)
    win.resize(1280, 820)
    win.show()
    win.tabs.setCurrentWidget(win.draw_tab)
    qtbot.waitUntil(lambda: win.session.tensorflow_ready, timeout=WAIT_MS)
    win.messages = shown
    yield win
    from gui.tasks import wait_for_tasks

    wait_for_tasks()


# Drawing helpers ---------------------------------------------------------------------------------


def pixel(pad, x, y) -> QPoint:
    p = pad.to_widget(x, y)
    return QPoint(round(p.x()), round(p.y()))


def draw_strokes(pad, strokes, box=(50, 30, 200), release_last=True) -> None:
    """Unit-square strokes drawn inside ``box`` = (x0, y0, side) of the page, by mouse events."""
    x0, y0, side = box
    for i, stroke in enumerate(strokes):
        points = [pixel(pad, x0 + u * side, y0 + v * side) for u, v in stroke]
        QTest.mousePress(pad, Qt.LeftButton, Qt.NoModifier, points[0])
        for point in points[1:]:
            QTest.mouseMove(pad, point)
        if release_last or i < len(strokes) - 1:
            QTest.mouseRelease(pad, Qt.LeftButton, Qt.NoModifier, points[-1])


def seven():
    return [[(0.2, 0.1), (0.5, 0.1), (0.8, 0.1), (0.65, 0.4), (0.5, 0.7), (0.4, 0.95)]]


def synthetic(label: int, seed: int = 0):
    from core.synthetic_digits import make_strokes

    return make_strokes(label, 0, np.random.default_rng(seed), slant=0.1, jitter=0.02).strokes


# Drawing and predicting ---------------------------------------------------------------------------


def test_strokes_drawn_with_the_mouse_produce_a_live_prediction(make_tab, quick_model, qtbot):
    from core.preprocess import preprocess_digit

    tab = make_tab(quick_model)
    assert tab.findChild(type(tab.pad), "drawPad") is tab.pad
    assert tab.prediction_label.objectName() == "predictionLabel" and tab.prediction_label.text() == "–"
    updates = []
    tab.predictionUpdated.connect(updates.append)

    draw_strokes(tab.pad, seven(), release_last=False)
    # while the pen is still down, the prediction follows the strokes
    qtbot.waitUntil(lambda: tab.prediction is not None, timeout=WAIT_MS)
    assert tab.pad.is_drawing() and updates
    QTest.mouseRelease(tab.pad, Qt.LeftButton, Qt.NoModifier, pixel(tab.pad, 50 + 0.4 * 200, 30 + 0.95 * 200))

    prediction = tab.prediction
    assert updates[-1] is prediction  # at once on release
    assert tab.prediction_label.text() == str(prediction.digit)
    assert "sure" in tab.confidence_label.text()
    assert tab.top3_label.text().startswith("Top three:") and tab.top3_label.text().count("%") == 3
    chart = tab.findChild(type(tab.probability_plot), "probabilityPlot")
    np.testing.assert_allclose(chart.values().sum(), 1.0, atol=1e-4)
    assert chart.highlighted == (prediction.digit,)
    # what the model sees: core's preprocessing of the drawing, shown beside the canvas
    sees = tab.findChild(type(tab.model_sees), "modelSeesView")
    np.testing.assert_array_equal(sees.image, preprocess_digit(tab.pad.analysis_array()))
    # inside the network: one mosaic per convolution layer, from the same call
    maps = tab.feature_maps._maps
    assert [m.shape for m in maps] == [(26, 26, 8), (11, 11, 16)]  # Small CNN: conv 3x3 x8, pool, conv 3x3 x16
    assert tab.predictor.first_filters.shape == (3, 3, 1, 8)
    if real_mnist_path() is not None:
        assert prediction.digit == 7


def test_clear_by_button_and_keys(make_tab, quick_model, qtbot):
    tab = make_tab(quick_model)
    clear_button = tab.findChild(type(tab.clear_button), "clearButton")
    draw_strokes(tab.pad, seven())
    assert tab.prediction is not None
    qtbot.mouseClick(clear_button, Qt.LeftButton)
    assert tab.pad.is_empty() and tab.prediction is None
    assert tab.prediction_label.text() == "–" and tab.confidence_label.text() == "Draw a digit"
    assert tab.model_sees.image is None and np.isnan(tab.probability_plot.values()).all()

    for key in (Qt.Key_Delete, Qt.Key_Escape):
        draw_strokes(tab.pad, seven())
        assert tab.prediction is not None
        QTest.keyClick(tab.pad, key)
        assert tab.pad.is_empty() and tab.prediction is None
    QTest.keyClick(tab.pad, Qt.Key_Z, Qt.ControlModifier)  # undo the clear: the prediction is back
    assert tab.prediction is not None and not tab.pad.is_empty()


def test_the_pad_reads_a_drawing_exactly_as_main_py_predict_reads_its_png(make_tab, quick_model, tmp_path):
    from core.model_io import predict_probabilities
    from core.preprocess import preprocess_file

    tab = make_tab(quick_model)
    draw_strokes(tab.pad, synthetic(4))
    path = tmp_path / "four.png"
    assert tab.save_png(path)
    seen = preprocess_file(path)  # what `main.py predict four.png` reads
    np.testing.assert_array_equal(tab.seen, seen)
    np.testing.assert_allclose(tab.prediction.probabilities,
                               predict_probabilities(quick_model.model, seen[np.newaxis])[0], atol=1e-5)


def test_without_a_model_it_still_shows_what_the_model_would_see(make_tab):
    tab = make_tab()
    assert "none loaded" in tab.model_info.text()
    draw_strokes(tab.pad, seven())
    assert tab.seen is not None and tab.model_sees.image is not None
    assert tab.prediction is None and tab.prediction_label.text() == "–"
    assert tab.confidence_label.text() == "No model yet"


def test_a_model_without_convolutions_predicts_without_feature_maps(make_tab, quick_model):
    import keras

    from core.model_io import check_model

    flat = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    loaded = check_model(flat)  # core wraps it to take 28x28x1
    tab = make_tab(loaded)
    draw_strokes(tab.pad, seven())
    assert tab.prediction is not None and tab.predictor.conv_names == []
    assert "no convolution layers" in tab.feature_maps.note.text()
    assert loaded.input_shape == (784,) and "input 784" in tab.model_info.text()


def test_a_model_taking_28x28_shows_the_feature_maps_of_the_convolutions_inside():
    """core wraps a model that takes (28, 28) (Input -> Reshape -> the file's model); its
    convolutions are found inside, and the one call still gives core's probabilities."""
    import keras

    from core.model_io import check_model, predict_probabilities
    from core.live_predictor import LivePredictor

    inner = keras.Sequential([keras.Input((28, 28)), keras.layers.Reshape((28, 28, 1)),
                              keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    loaded = check_model(inner)
    predictor = LivePredictor(loaded)
    seen = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    probabilities, maps = predictor(seen)
    assert predictor.conv_names == [inner.layers[1].name] and [m.shape for m in maps] == [(26, 26, 4)]
    np.testing.assert_allclose(probabilities, predict_probabilities(loaded.model, seen[np.newaxis])[0], atol=1e-6)


# Pictures ------------------------------------------------------------------------------------------


def test_open_an_image_file_reads_it_like_predict(make_tab, quick_model, qtbot, tmp_path):
    from PIL import Image

    from core.preprocess import preprocess_file
    from core.synthetic_digits import make_strokes, render

    digit = make_strokes(3, 0, np.random.default_rng(1), slant=0.1, jitter=0.02)
    path = tmp_path / "scan.jpg"
    Image.fromarray(render(digit, canvas_size=(320, 240), stroke_width=14)).save(path, quality=90)
    tab = make_tab(quick_model)
    tab.open_image(path)
    qtbot.waitUntil(lambda: tab.prediction is not None, timeout=WAIT_MS)
    np.testing.assert_array_equal(tab.seen, preprocess_file(path))
    assert tab.pad.picture is not None and tab.pad.picture.name == "scan.jpg"

    errors = []
    tab.session.errorOccurred.connect(lambda title, text: errors.append(text))
    (tmp_path / "not.png").write_bytes(b"nope")
    tab.open_image(tmp_path / "not.png")
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT_MS)
    assert "not.png" in errors[0]
    assert tab.pad.picture.name == "scan.jpg"  # the picture shown stays


def test_pictures_dropped_on_the_tab_are_read_and_model_files_go_on_to_the_window(make_tab, quick_model, qtbot,
                                                                                  tmp_path):
    from PIL import Image
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    tab = make_tab(quick_model)
    picture = tmp_path / "one.png"
    grey = np.full((100, 80), 255, np.uint8)
    grey[15:85, 36:44] = 0
    Image.fromarray(grey).save(picture)

    def mime(path):
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        return data

    model_mime, image_mime = mime(tmp_path / "m.h5"), mime(picture)  # kept alive: events do not own them
    model_drag = QDragEnterEvent(tab.rect().center(), Qt.CopyAction, model_mime, Qt.LeftButton, Qt.NoModifier)
    tab.dragEnterEvent(model_drag)
    assert not model_drag.isAccepted()  # not ours: the window loads model files
    image_drag = QDragEnterEvent(tab.rect().center(), Qt.CopyAction, image_mime, Qt.LeftButton, Qt.NoModifier)
    tab.dragEnterEvent(image_drag)
    assert image_drag.isAccepted()
    drop = QDropEvent(QPointF(tab.rect().center()), Qt.CopyAction, image_mime, Qt.LeftButton, Qt.NoModifier)
    tab.dropEvent(drop)
    qtbot.waitUntil(lambda: tab.prediction is not None, timeout=WAIT_MS)
    assert tab.pad.picture.name == "one.png"


def test_paste_a_picture_from_the_clipboard(make_tab, quick_model, qtbot):
    from core.preprocess import preprocess_digit

    tab = make_tab(quick_model)
    grey = np.full((120, 90), 240, np.uint8)
    grey[20:100, 40:50] = 20  # a dark "1"
    image = QImage(grey.data, 90, 120, 90, QImage.Format_Grayscale8).copy()
    QGuiApplication.clipboard().setImage(image)
    tab.paste_button.click()
    qtbot.waitUntil(lambda: tab.seen is not None, timeout=WAIT_MS)
    rgba = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    np.testing.assert_array_equal(tab.seen, preprocess_digit(rgba))
    assert tab.prediction is not None

    messages = []
    tab.session.statusMessage.connect(messages.append)
    QGuiApplication.clipboard().setText("just text")
    tab.paste_image()
    assert messages and "no picture" in messages[-1]


# My digits ----------------------------------------------------------------------------------------


def test_label_a_drawing_and_add_it_to_my_digits(make_tab, quick_model, isolated):
    from core import my_digits

    tab = make_tab(quick_model)
    assert tab.my_digits_path == isolated / "my_digits.npz"
    changed = []
    tab.myDigitsChanged.connect(changed.append)
    draw_strokes(tab.pad, seven())
    seen = tab.seen.copy()
    assert tab.label_spin.value() == tab.prediction.digit  # follows the prediction ...
    tab.label_spin.setValue(7)  # ... until the person says what it is
    tab.add_digit_button.click()
    images, labels = my_digits.load(tab.my_digits_path)
    np.testing.assert_array_equal(images, seen[np.newaxis])
    assert labels.tolist() == [7] and changed == [str(tab.my_digits_path)]
    assert tab.pad.is_empty()  # ready for the next one
    tab.add_digit_button.click()  # nothing drawn: nothing added
    assert my_digits.count(tab.my_digits_path) == 1


# Models ----------------------------------------------------------------------------------------------


def test_switch_back_to_the_model_trained_in_this_session(make_tab, quick_model, qtbot):
    from core.model_io import check_model

    tab = make_tab(quick_model)
    session = tab.session
    other = check_model(quick_model.model)  # another LoadedModel object, e.g. from the Train tab
    other.name = "just trained"
    session.set_model(other, unsaved=True)
    qtbot.waitUntil(lambda: tab.predictor is not None and tab.predictor.loaded is other, timeout=WAIT_MS)
    texts = [tab.model_choice.itemText(i) for i in range(tab.model_choice.count())]
    assert texts == ["just trained (trained this session)", "quick small CNN"]
    assert "not saved" in tab.model_info.text()

    tab.model_choice.activated.emit(1)
    assert session.model is quick_model and not session.model_unsaved
    tab.model_choice.activated.emit(0)
    assert session.model is other and session.model_unsaved


@pytest.mark.filterwarnings(KERAS_SAVE_NOTICE)
def test_load_model_button_shows_name_shape_and_parameters(window, quick_model, qtbot, tmp_path, monkeypatch):
    from core.model_io import save_model

    path = save_model(quick_model.model, tmp_path / "digits_cnn.h5")
    tab = window.draw_tab
    button = tab.findChild(type(tab.load_model_button), "loadModelButton")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.session.model is not None and tab.predictor is not None, timeout=WAIT_MS)
    loaded = window.session.model
    assert loaded.name == "digits_cnn" and not window.messages
    assert tab.model_choice.currentText() == "digits_cnn"
    assert tab.model_info.text() == f"input 28x28x1 · {loaded.parameter_count:,} parameters"
    draw_strokes(tab.pad, seven())
    assert tab.prediction is not None


@pytest.mark.filterwarnings(KERAS_SAVE_NOTICE)
@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_a_malicious_model_is_refused_and_its_code_does_not_run(window, quick_model, qtbot, tmp_path,
                                                              monkeypatch, suffix):
    import keras

    marker = tmp_path / "payload-ran.txt"
    payload = eval(f"lambda t: (open({str(marker)!r}, 'w').write('pwned'), t)[1]")  # bytecode in the file
    inputs = keras.Input((28, 28, 1))
    hidden = keras.layers.Lambda(payload)(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(hidden))
    evil = tmp_path / f"evil{suffix}"
    keras.Model(inputs, outputs).save(evil)
    assert marker.exists()  # the payload is live: building the model ran it
    marker.unlink()

    session, tab = window.session, window.draw_tab
    session.set_model(quick_model)
    qtbot.waitUntil(lambda: tab.predictor is not None, timeout=WAIT_MS)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(evil), ""))
    qtbot.mouseClick(tab.load_model_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(window.messages), timeout=WAIT_MS)

    title, text = window.messages[-1]
    assert title == "Model not loaded"
    assert "Refused" in text and "Lambda" in text and "previous model is still active" in text
    assert not marker.exists()
    assert session.model is quick_model
    draw_strokes(tab.pad, seven())
    assert tab.prediction is not None  # still drawing with the previous model


def test_an_invalid_model_file_leaves_the_previous_model_active(window, quick_model, qtbot, tmp_path):
    session, tab = window.session, window.draw_tab
    session.set_model(quick_model)
    qtbot.waitUntil(lambda: tab.predictor is not None, timeout=WAIT_MS)
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)  # an HDF5 signature, then nothing valid
    window.open_model(bad)  # what File > Open model, drag-and-drop and --model do
    qtbot.waitUntil(lambda: bool(window.messages), timeout=WAIT_MS)
    title, text = window.messages[-1]
    assert title == "Model not loaded" and "broken.h5" in text and "previous model is still active" in text
    assert session.model is quick_model and tab.predictor.loaded is quick_model
    assert tab.model_choice.currentText() == "quick small CNN"


# Accuracy on drawn digits (the shipped model) ------------------------------------------------------


def test_drawings_small_off_centre_thin_or_thick_are_read_like_centred_ones(make_tab):
    from core.model_io import SHIPPED_MODEL, load_model
    from core.synthetic_digits import sample_set

    if not SHIPPED_MODEL.exists():
        pytest.skip("the shipped models/mnist_cnn.h5 is not there")
    tab = make_tab(load_model(SHIPPED_MODEL))
    digits = sample_set(1, seed=11)  # one of each digit, handwriting-like strokes
    conditions = {  # (x0, y0, side) on the 280-unit page, pen width in units
        "centred": ((45, 45, 190), 16.0),
        "small": ((180, 30, 56), 5.0),
        "off-centre": ((10, 170, 100), 9.0),
        "thin pen": ((45, 45, 190), 4.0),
        "thick pen": ((45, 45, 190), 30.0),
    }
    scores = {}
    for name, (box, width) in conditions.items():
        tab.pad.pen_width = width
        right = 0
        for digit in digits:
            tab.pad.clear()
            draw_strokes(tab.pad, digit.strokes, box=box)
            right += tab.prediction is not None and tab.prediction.digit == digit.label
        scores[name] = right / len(digits)
    assert sum(scores.values()) / len(scores) >= 0.85, scores
    assert min(scores.values()) >= 0.7, scores
