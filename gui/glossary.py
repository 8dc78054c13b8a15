"""Plain-words explanations of every idea the window uses, with small pictures drawn in code.

One place for the explanation texts: the "What is this?" panel shows an :class:`Entry` (title,
a few sentences, a picture), tooltips fall back to its one-line ``short`` text, and the network
diagram explains each layer with the entry of its kind. Entries are keyed by concept
(``"epoch"``, ``"convolution"``, ...); :func:`entry` looks one up and :func:`picture` draws its
picture (a QPixmap painted with QPainter the first time it is asked for, then cached).

The pictures are deliberately simple: a 5x5 window sliding over a grid for a convolution, 2x2
squares keeping their largest number for pooling, crossed-out neurons for dropout, ten bars for
softmax. They need a running QGuiApplication (fonts), as any widget does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

PICTURE_WIDTH = 270
PICTURE_HEIGHT = 130


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    short: str           # one sentence: a tooltip
    text: str            # a few short paragraphs of rich text


def _e(key: str, title: str, short: str, *paragraphs: str) -> Entry:
    return Entry(key, title, short, "".join(f"<p>{p}</p>" for p in paragraphs))


_ENTRIES = (
    # Training ------------------------------------------------------------------------------
    _e("training", "Training",
       "Training: showing the network many labelled images so it slowly learns to read digits.",
       "The network starts with random numbers inside and reads digits no better than a guess. "
       "Training shows it the training images with their right answers, a few at a time; after "
       "each few it adjusts its numbers a little so that it would have done better.",
       "Press <b>Start training</b> and watch the loss fall and the accuracy rise. You can pause "
       "or stop at any time; the model keeps what it has learned so far."),
    _e("epoch", "Epoch",
       "An epoch is one pass over all the training images.",
       "One <b>epoch</b> is one pass through every training image. Learning is gradual, so the "
       "network usually needs several passes: each one improves it a little, until it stops "
       "getting better.",
       "More epochs take longer. Too many can make the network memorise the training images "
       "rather than learn digits in general: watch the validation accuracy to see when to stop."),
    _e("batch", "Batch",
       "A batch is the handful of images the network looks at before each small update.",
       "The network does not learn from one image at a time, nor from all 60,000 at once: it "
       "looks at a <b>batch</b> (32 images, say), works out how it should change to do better "
       "on those, and takes one small step. Then the next batch.",
       "Small batches give many quick, noisy steps; large batches fewer, steadier ones. The "
       "batch size also sets how much memory training uses."),
    _e("learning_rate", "Learning rate",
       "The learning rate is how big each step of learning is.",
       "After each batch the network changes its numbers in the direction that lowers the loss. "
       "The <b>learning rate</b> says how far it moves.",
       "Too small and it learns very slowly; too big and it overshoots, so the loss jumps "
       "around or even becomes NaN (not a number). 0.001 is a good start with Adam."),
    _e("optimizer", "Optimizer",
       "The optimizer is the method that turns each batch's mistakes into changes of the weights.",
       "The <b>optimizer</b> decides how to use what was learned from each batch. Plain SGD "
       "moves straight downhill by the learning rate. Adam and RMSprop remember past steps and "
       "adapt the step size for each weight, which usually learns faster with less tuning.",
       "If unsure, keep <b>Adam</b>."),
    _e("loss", "Loss",
       "The loss measures how wrong the network is: lower is better.",
       "For each image the network gives ten probabilities, one per digit. The <b>loss</b> "
       "(cross-entropy) is small when it gives the right digit a high probability and large "
       "when it is confidently wrong. Training is nothing but making this number smaller.",
       "On the plot, the pale line is each batch's loss and the bold line a smoothed version; "
       "the dots are the average of each epoch."),
    _e("accuracy", "Accuracy",
       "Accuracy is the share of images the network reads correctly.",
       "<b>Accuracy</b> is simply how many images it reads right, out of all it was shown: "
       "99% means 1 mistake in 100.",
       "Training accuracy is measured on the images it learns from; <b>validation</b> and "
       "<b>test</b> accuracy on images it has never learned from, which is what counts."),
    _e("validation", "Validation",
       "Validation images are held back from training to check the network on images it has not learned from.",
       "A part of the training images (10%, say) is set aside and never learned from. After "
       "every epoch the network is scored on them: this <b>validation</b> accuracy shows how "
       "well it will do on new digits.",
       "If training accuracy keeps rising while validation accuracy stalls or falls, the "
       "network is memorising rather than learning: it is time to stop, or to add dropout or "
       "augmentation."),
    _e("test_set", "Test images",
       "The 10,000 test images are kept apart and only used to score the finished network.",
       "MNIST comes with 60,000 <b>training</b> images and 10,000 <b>test</b> images written "
       "by different people. The network never learns from the test images, so its score on "
       "them is a fair measure of how it reads handwriting it has never seen."),
    _e("seed", "Random seed",
       "A number that fixes the random choices, so the same settings give the same result again.",
       "Training involves chance: the starting weights, the order the images come in, which "
       "neurons dropout switches off. The <b>seed</b> fixes these choices, so that two runs with "
       "the same settings and seed give the same network.",
       "Change it to see how much results vary from run to run by chance alone."),
    _e("augmentation", "Augmentation",
       "Training on slightly shifted, turned and resized copies of the images.",
       "With <b>augmentation</b> each training image is shown slightly moved, turned or resized, "
       "a little differently every time. The network then learns that a 7 is a 7 wherever it "
       "is and however it leans.",
       "It helps most with digits that look unlike MNIST's neat, centred ones, such as your "
       "own drawings. Training takes a little longer."),
    _e("fast_training", "Fast training",
       "Let the program pick settings that reach a good accuracy in the least time on this computer.",
       "<b>Fast training</b> swaps some of your settings for ones tuned for speed: bigger "
       "batches, a learning rate that rises and then falls over the run, and lighter number "
       "formats where the processor supports them. The log says which settings were used.",
       "Turn it off to train exactly as the settings say."),
    _e("train_limit", "Train on fewer images",
       "Train on only the first N training images, for a quicker try.",
       "Training on fewer images is much faster and good for trying things out, but the "
       "network learns less: with 1,000 images expect around 90% accuracy instead of 99%."),
    _e("parameters", "Parameters",
       "The numbers (weights and biases) the network learns during training.",
       "Every connection in the network has a <b>weight</b>, a number that says how much one "
       "value counts for the next. Together with the <b>biases</b> these are the "
       "<b>parameters</b>: the tutorial's network has about 3.3 million of them, and training "
       "is the search for good values.",
       "More parameters can learn more, but take longer to train and make memorising easier."),
    _e("smoothing", "Smoothing",
       "How much the per-batch curves are averaged, to see the trend through the noise.",
       "Each batch gives a slightly different loss, so the raw curve is noisy. "
       "<b>Smoothing</b> averages each point with the ones before it; the pale line keeps the "
       "raw values."),
    # The network ---------------------------------------------------------------------------
    _e("network", "The network",
       "The network's layers, from the input image to the ten digit scores.",
       "A neural network is a chain of <b>layers</b>. Each takes the output of the one before "
       "and turns it into something a little more useful: pixels become strokes, strokes become "
       "parts of digits, parts become a decision.",
       "The diagram shows the shape of what each layer passes on: 24&times;24&times;32 means 32 "
       "images of 24&times;24, one per filter; a single number like 1024 is a flat list. Click a "
       "layer to read about it and, once trained, to see what it learned."),
    _e("input", "The input image",
       "The input: one 28x28 grey image, white ink on black.",
       "Every digit reaches the network as 28&times;28 = 784 numbers, one per pixel, from 0 "
       "(black) to 1 (white ink). The shape 28&times;28&times;1 means 28 rows, 28 columns and "
       "1 channel (grey; a colour picture would have 3)."),
    _e("convolution", "Convolution",
       "A convolution slides small filters over the image to find strokes, edges and shapes.",
       "A <b>convolution</b> layer has a set of small <b>filters</b> (5&times;5 pixels, say). "
       "Each filter slides over the image and, at every position, measures how much that patch "
       "looks like its pattern. The result is one new image per filter, a <b>feature map</b>, "
       "bright where the pattern was found.",
       "The first layer's filters learn simple things like edges and strokes; the next layer "
       "combines them into curves, loops and corners. Without padding, a 5&times;5 filter "
       "cannot be centred on the outer 2 pixels, so 28&times;28 becomes 24&times;24."),
    _e("filter", "Filter",
       "A filter is a small grid of learned weights that looks for one pattern.",
       "A <b>filter</b> (or kernel) is a small square of numbers, learned in training. Placed "
       "over a patch of the image it multiplies each pixel by its weight and adds them up: the "
       "result is large when the patch matches its pattern.",
       "In the pictures, red weights add and blue ones subtract: a filter red on the left and "
       "blue on the right finds the left edge of a stroke."),
    _e("feature_map", "Feature map",
       "A feature map is the image a filter produces: bright where its pattern was found.",
       "Each filter of a convolution layer turns the image into a <b>feature map</b> showing "
       "where its pattern occurs. A layer with 32 filters passes on 32 feature maps, which is "
       "why its output has 32 channels.",
       "Shown here for a sample image: the first layer's maps still look like the digit, deeper "
       "ones look more abstract."),
    _e("pooling", "Pooling",
       "Max pooling shrinks the feature maps, keeping the strongest value in each small square.",
       "A <b>max pooling</b> layer cuts each feature map into 2&times;2 squares and keeps only "
       "the largest number of each: the maps get half as wide and half as high, and what was "
       "found is kept while exactly where matters a little less.",
       "It makes the network faster and less fussy about small shifts of the digit. It has "
       "nothing to learn."),
    _e("flatten", "Flatten",
       "Flatten lays the feature maps out as one long list of numbers.",
       "The dense layers that make the final decision take a flat list of numbers, not images. "
       "<b>Flatten</b> lays the maps out one row after another: 4&times;4&times;64 becomes a "
       "list of 1024 numbers. Nothing is learned or lost."),
    _e("dense", "Dense layer",
       "A dense layer: neurons that each look at every number of the layer before.",
       "In a <b>dense</b> (fully connected) layer every neuron is connected to every input, "
       "each connection with its own weight. Each neuron adds up its weighted inputs and passes "
       "the result on through its activation.",
       "Dense layers combine everything the convolutions found into the final decision. They "
       "hold most of the parameters."),
    _e("dropout", "Dropout",
       "Dropout switches off a random part of the neurons while training, so none can be relied on alone.",
       "During training, <b>dropout</b> switches off a random share of the values passing "
       "through (20%, say), differently for every batch. The network cannot rely on any single "
       "neuron and learns more robust ways to recognise digits.",
       "It is only active while training: when reading your digits every neuron takes part."),
    _e("activation", "Activation",
       "The function applied to each neuron's sum; 'relu' keeps positive values and zeroes the rest.",
       "After adding up its weighted inputs, each neuron passes the sum through an "
       "<b>activation</b> function. Without it, stacking layers would be no better than one. "
       "<b>relu</b> (keep positives, set negatives to zero) is the usual choice; "
       "<b>softmax</b> is for the output layer."),
    _e("softmax", "Softmax: the ten probabilities",
       "Softmax turns the ten output scores into probabilities that add up to 100%.",
       "The last layer gives one score per digit. <b>Softmax</b> turns the ten scores into "
       "probabilities between 0 and 100% that add up to 100%: the higher a score, the bigger "
       "its share.",
       "The network's answer is the digit with the highest probability; how high it is shows "
       "how sure the network is."),
    # Results and data ------------------------------------------------------------------------
    _e("confusion_matrix", "Confusion matrix",
       "A table of which digits the network reads as which: mistakes are off the diagonal.",
       "Each row is the true digit, each column what the network read. The diagonal holds the "
       "correct readings; every other cell counts one kind of mistake, such as 4s read as 9s.",
       "Click a cell to see those images: often the mistakes are digits a person would find "
       "hard too."),
    _e("per_class", "Accuracy per digit",
       "How often each digit is read correctly; the weakest digit is in orange.",
       "Some digits are harder than others: 9s look like 4s and 7s, 5s like 3s. Each bar is the "
       "accuracy on the test images of one digit. Click a bar to see its mistakes."),
    _e("runs", "Training runs",
       "Every training run is kept, with its settings, curves and scores, to compare.",
       "Each time a network is trained, the run is kept: its layers and settings, its loss and "
       "accuracy curves, its test accuracy and the trained model. Select two or more to see "
       "them side by side and what differs between them.",
       "Changing one thing at a time (the learning rate, say) and comparing is the surest way "
       "to learn what helps."),
    _e("cnn_vs_regular", "A CNN against a regular network",
       "Train the tutorial's CNN and a regular network the same way, and compare them.",
       "The tutorial's point: a <b>regular</b> (fully connected) network looks at the 784 pixels "
       "as a flat list and must learn every stroke at every position separately. A "
       "<b>convolutional</b> network slides the same small filters over the whole image, so a "
       "stroke learned in one place is recognised everywhere.",
       "Trained alike, the CNN makes clearly fewer mistakes, with fewer parameters."),
    _e("dataset", "The MNIST images",
       "MNIST: 70,000 handwritten digits, 28x28 grey pixels each, with their right answers.",
       "<b>MNIST</b> holds 70,000 handwritten digits written by about 500 people, each scaled "
       "into a 28&times;28 grey picture, white ink on black, with a label saying which digit it "
       "is: 60,000 to learn from and 10,000 to test.",
       "Browse them here; filter by digit, and after evaluation by what the network read, to "
       "see its mistakes."),
    _e("drawing", "Drawing a digit",
       "Draw a digit with the mouse: the network reads it as you draw.",
       "Draw one digit anywhere on the pad, large or small. As you draw, the picture is "
       "prepared the way MNIST's digits were and read by the network; its answer, how sure it "
       "is and the ten probabilities appear on the right."),
    _e("model_sees", "What the model sees",
       "The drawing as the network gets it: cropped, scaled to 20x20 and centred in 28x28.",
       "Your drawing is prepared exactly as MNIST's digits were: cut to the ink, scaled to fit "
       "a 20&times;20 box, centred by its weight in a 28&times;28 image, white on black. A digit "
       "prepared differently would confuse the network."),
    _e("model", "The model",
       "The trained network used to read digits: the shipped one, one you trained, or one you opened.",
       "A <b>model</b> is a network together with everything it learned, saved in a .h5 or "
       ".keras file. The program starts with the tutorial's network trained on MNIST; a network "
       "you train in the Train tab becomes the active model in every tab."),
)

ENTRIES: dict[str, Entry] = {entry.key: entry for entry in _ENTRIES}

#: The glossary key of each layer kind of ``core.spec``.
KIND_KEYS = {"conv2d": "convolution", "maxpool2d": "pooling", "flatten": "flatten", "dense": "dense",
             "dropout": "dropout"}


def entry(key: str) -> Entry | None:
    return ENTRIES.get(key)


# ---------------------------------------------------------------------------------------------
# Pictures

INK = QColor(51, 103, 214)         # blue
ACCENT = QColor(232, 113, 10)      # orange
GOOD = QColor(30, 142, 62)         # green
BAD = QColor(200, 40, 40)          # red
GRID = QColor(190, 190, 190)
TEXT = QColor(60, 60, 60)
PALE = QColor(225, 232, 245)

_cache: dict[tuple[str, float], QPixmap] = {}


def picture(key: str, ratio: float = 1.0) -> QPixmap | None:
    """The picture of entry ``key`` (``PICTURE_WIDTH`` x ``PICTURE_HEIGHT`` logical pixels at the
    device pixel ``ratio``), or None for entries without one."""
    draw = _PAINTERS.get(key)
    if draw is None:
        return None
    cached = _cache.get((key, ratio))
    if cached is None:
        image = QImage(int(PICTURE_WIDTH * ratio), int(PICTURE_HEIGHT * ratio), QImage.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(QColor(255, 255, 255))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        font = QFont(painter.font())
        font.setPointSizeF(8.0)
        painter.setFont(font)
        try:
            draw(painter)
        finally:
            painter.end()
        cached = _cache[(key, ratio)] = QPixmap.fromImage(image)
    return cached


def _text(p: QPainter, x: float, y: float, w: float, text: str, align=Qt.AlignHCenter, color=TEXT,
          bold: bool = False) -> None:
    p.save()
    p.setPen(color)
    if bold:
        font = QFont(p.font())
        font.setBold(True)
        p.setFont(font)
    p.drawText(QRectF(x, y, w, 16), int(align | Qt.AlignVCenter), text)
    p.restore()


def _arrow(p: QPainter, x1: float, y1: float, x2: float, y2: float, color=TEXT, width: float = 1.6) -> None:
    p.save()
    p.setPen(QPen(color, width))
    p.setBrush(color)
    p.drawLine(QLineF(x1, y1, x2, y2))
    angle = math.atan2(y2 - y1, x2 - x1)
    head = [QPointF(x2, y2)]
    for side in (-1, 1):
        a = angle + math.pi + side * 0.45
        head.append(QPointF(x2 + 7 * math.cos(a), y2 + 7 * math.sin(a)))
    p.drawPolygon(QPolygonF(head))
    p.restore()


def _grid(p: QPainter, x: float, y: float, rows: int, cols: int, cell: float, values=None,
          fill=None, numbers: bool = False) -> None:
    """A grid of cells; ``values`` (rows, cols) in 0..1 shade them dark-on-white (ink)."""
    p.save()
    for r in range(rows):
        for c in range(cols):
            rect = QRectF(x + c * cell, y + r * cell, cell, cell)
            if values is not None:
                v = float(values[r][c])
                if numbers:
                    p.fillRect(rect, fill[r][c] if fill is not None else QColor(255, 255, 255))
                else:
                    shade = int(255 - 200 * v)
                    p.fillRect(rect, QColor(shade, shade, min(255, shade + 30)))
            p.setPen(QPen(GRID, 0.8))
            p.drawRect(rect)
            if numbers and values is not None:
                p.setPen(TEXT)
                p.drawText(rect, Qt.AlignCenter, str(int(values[r][c])))
    p.restore()


def digit_image(size: int = 28) -> np.ndarray:
    """A simple handwritten-looking 7 (float 0..1, white ink on black), for the pictures."""
    image = QImage(size, size, QImage.Format_Grayscale8)
    image.fill(0)
    p = QPainter(image)
    p.setRenderHint(QPainter.Antialiasing)
    s = size / 28.0
    p.setPen(QPen(QColor(255, 255, 255), 2.6 * s, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    path = QPainterPath(QPointF(7 * s, 7.5 * s))
    path.lineTo(20.5 * s, 6.5 * s)
    path.quadTo(16 * s, 13 * s, 12.5 * s, 21.5 * s)
    p.drawPath(path)
    p.drawLine(QLineF(11 * s, 14.5 * s, 18 * s, 14.5 * s))
    p.end()
    bits = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * size)
    return bits.reshape(size, image.bytesPerLine())[:, :size].astype(np.float32) / 255.0


def _grey_image(values: np.ndarray) -> QImage:
    data = np.ascontiguousarray(np.clip(values * 255, 0, 255).astype(np.uint8))
    h, w = data.shape
    return QImage(data.data, w, h, w, QImage.Format_Grayscale8).copy()


def _draw_digit(p: QPainter, rect: QRectF, values: np.ndarray | None = None) -> None:
    p.save()
    p.setRenderHint(QPainter.SmoothPixmapTransform, False)
    p.drawImage(rect, _grey_image(digit_image() if values is None else values))
    p.setPen(QPen(GRID, 1))
    p.drawRect(rect)
    p.restore()


def _paint_batches(p: QPainter, whole_epoch: bool) -> None:
    colors = (QColor(51, 103, 214), QColor(232, 113, 10), QColor(30, 142, 62), QColor(150, 80, 190))
    cell, gap, y0 = 14, 8, 62
    row = 4 * 3 * (cell + 2) + 3 * gap
    x0 = (PICTURE_WIDTH - row) / 2
    x = x0
    for batch in range(4):
        start = x
        for i in range(3):
            color = colors[batch] if (whole_epoch or batch == 1) else QColor(200, 200, 200)
            rect = QRectF(x, y0, cell, cell)
            p.fillRect(rect, color.lighter(150))
            p.setPen(QPen(color, 1.2))
            p.drawRect(rect)
            x += cell + 2
        if not whole_epoch and batch == 1:
            middle = (start + x - 2) / 2
            p.setPen(QPen(ACCENT, 1.4))
            p.drawLine(QLineF(start, y0 + cell + 5, x - 2, y0 + cell + 5))
            _text(p, middle - 70, y0 + cell + 8, 140, "1 batch = 3 images", color=ACCENT, bold=True)
            _arrow(p, middle, y0 - 24, middle, y0 - 5, ACCENT)
            _text(p, middle - 80, y0 - 42, 160, "then: update the weights", color=ACCENT)
        x += gap
    right = x - gap
    if whole_epoch:
        top = y0 - 24
        p.save()
        p.setPen(QPen(INK, 1.6))
        p.setBrush(Qt.NoBrush)
        path = QPainterPath(QPointF(right - 6, y0 - 4))
        path.cubicTo(right + 4, top - 6, right - 20, top, (x0 + right) / 2, top)
        path.cubicTo(x0 + 20, top, x0 - 4, top - 6, x0 + 4, y0 - 8)
        p.drawPath(path)
        p.restore()
        _arrow(p, x0 + 2, y0 - 14, x0 + 5, y0 - 4, INK)
        _text(p, 0, top - 24, PICTURE_WIDTH, "1 epoch = every image once", color=INK, bold=True)
        _text(p, 0, y0 + cell + 8, PICTURE_WIDTH, "the training images, batch after batch")
        _text(p, 0, y0 + cell + 24, PICTURE_WIDTH, "then the next epoch starts again")
    else:
        _text(p, 0, y0 + cell + 28, PICTURE_WIDTH, "one small update after each batch")


def _paint_epoch(p: QPainter) -> None:
    _paint_batches(p, whole_epoch=True)


def _paint_batch(p: QPainter) -> None:
    _paint_batches(p, whole_epoch=False)


def _valley(x: float) -> float:
    return 100 - 82 * ((x - 135) / 115.0) ** 2


def _paint_learning_rate(p: QPainter) -> None:
    p.save()
    path = QPainterPath(QPointF(20, _valley(20)))
    for x in range(22, 252, 2):
        path.lineTo(x, _valley(x))
    p.setPen(QPen(GRID, 2))
    p.drawPath(path)
    # Small steps: steady progress down the left side.
    xs = [30, 48, 64, 78, 90, 101, 111, 119]
    for a, b in zip(xs, xs[1:]):
        _arrow(p, a, _valley(a) - 4, b, _valley(b) - 4, GOOD, 1.3)
    # Too big: jumping from side to side, further up each time.
    xs = [60, 225, 45, 240]
    for a, b in zip(xs, xs[1:]):
        mid = (a + b) / 2
        ctrl = QPointF(mid, min(_valley(a), _valley(b)) - 34)
        arc = QPainterPath(QPointF(a, _valley(a) - 2))
        arc.quadTo(ctrl, QPointF(b, _valley(b) - 2))
        p.setPen(QPen(BAD, 1.2, Qt.DashLine))
        p.setBrush(Qt.NoBrush)
        p.drawPath(arc)
    p.setBrush(BAD)
    p.setPen(Qt.NoPen)
    p.drawEllipse(QPointF(60, _valley(60) - 2), 3.5, 3.5)
    p.restore()
    _text(p, 0, 114, 120, "small: steady", color=GOOD, bold=True)
    _text(p, 140, 114, 130, "too big: overshoots", color=BAD, bold=True)
    _text(p, 85, 102, 100, "lowest loss")


def _axes(p: QPainter, x: float, y: float, w: float, h: float, x_label: str, y_label: str) -> None:
    p.save()
    p.setPen(QPen(TEXT, 1))
    p.drawLine(QLineF(x, y, x, y + h))
    p.drawLine(QLineF(x, y + h, x + w, y + h))
    p.restore()
    _text(p, x, y + h + 2, w, x_label)
    p.save()
    p.translate(x - 16, y + h / 2)
    p.rotate(-90)
    _text(p, -h / 2, -8, h, y_label)
    p.restore()


def _curve(p: QPainter, x: float, y: float, w: float, h: float, f, color: QColor, noise: float) -> None:
    rng = np.random.default_rng(3)
    raw, smooth = QPainterPath(), QPainterPath()
    for i in range(101):
        t = i / 100
        v = f(t)
        px = x + t * w
        r = min(1.0, max(0.0, v + noise * rng.normal()))
        (raw.moveTo if i == 0 else raw.lineTo)(px, y + h * (1 - r))
        (smooth.moveTo if i == 0 else smooth.lineTo)(px, y + h * (1 - v))
    p.save()
    p.setBrush(Qt.NoBrush)
    p.setPen(QPen(color.lighter(160), 1))
    p.drawPath(raw)
    p.setPen(QPen(color, 2.2))
    p.drawPath(smooth)
    p.restore()


def _paint_loss(p: QPainter) -> None:
    _axes(p, 36, 14, 210, 90, "training goes on \u2192", "loss")
    _curve(p, 37, 14, 208, 88, lambda t: 0.08 + 0.85 * math.exp(-6 * t), INK, 0.035)
    _text(p, 110, 22, 140, "lower is better", color=INK, bold=True)


def _paint_accuracy(p: QPainter) -> None:
    _axes(p, 36, 14, 210, 90, "training goes on \u2192", "accuracy")
    _curve(p, 37, 14, 208, 88, lambda t: 0.96 - 0.86 * math.exp(-7 * t), GOOD, 0.03)
    _text(p, 110, 70, 140, "higher is better", color=GOOD, bold=True)


def _split_bar(p: QPainter, parts, y: float = 48) -> None:
    x, width = 20, 230
    for fraction, color, label in parts:
        w = width * fraction
        rect = QRectF(x, y, w, 28)
        p.fillRect(rect, color.lighter(150))
        p.setPen(QPen(color, 1.2))
        p.drawRect(rect)
        _text(p, x - 20, y + 32, w + 40, label, color=color, bold=True)
        x += w


def _paint_validation(p: QPainter) -> None:
    _text(p, 0, 16, PICTURE_WIDTH, "the 60,000 training images")
    _split_bar(p, ((0.9, INK, "learned from (90%)"), (0.1, ACCENT, "checked")))
    _text(p, 0, 100, PICTURE_WIDTH, "checked after every epoch, never learned from", color=ACCENT)


def _paint_test_set(p: QPainter) -> None:
    _text(p, 0, 16, PICTURE_WIDTH, "MNIST: 70,000 images")
    _split_bar(p, ((60 / 70, INK, "training: 60,000"), (10 / 70, GOOD, "test")))
    _text(p, 0, 100, PICTURE_WIDTH, "test: 10,000, only for the final score", color=GOOD)


def _paint_convolution(p: QPainter) -> None:
    values = np.zeros((8, 8))
    for r, c in ((1, 2), (1, 3), (1, 4), (1, 5), (2, 5), (3, 4), (4, 4), (5, 3), (6, 3), (2, 2)):
        values[r, c] = 1.0
    cell, x0, y0 = 10, 24, 18
    _grid(p, x0, y0, 8, 8, cell, values)
    wr, wc = 1, 2  # the window's top-left cell
    window = QRectF(x0 + wc * cell, y0 + wr * cell, 5 * cell, 5 * cell)
    p.save()
    p.setPen(QPen(ACCENT, 2.4))
    p.setBrush(QColor(232, 113, 10, 40))
    p.drawRect(window)
    p.restore()
    out_cell, ox, oy = 13, 190, 36
    response = np.zeros((4, 4))
    response[wr, wc] = 1.0
    response[0, 1] = response[1, 1] = 0.5
    _grid(p, ox, oy, 4, 4, out_cell, response * 0.6)
    target = QRectF(ox + wc * out_cell, oy + wr * out_cell, out_cell, out_cell)
    p.save()
    p.setPen(QPen(ACCENT, 2.4))
    p.drawRect(target)
    p.setPen(QPen(ACCENT, 1, Qt.DashLine))
    for corner_a, corner_b in ((window.topRight(), target.topLeft()), (window.bottomRight(), target.bottomLeft())):
        p.drawLine(QLineF(corner_a, corner_b))
    p.restore()
    _text(p, x0 - 20, 0, 8 * cell + 40, "image 8\u00d78")
    _text(p, 0, y0 + 8 * cell + 2, 8 * cell + 48, "a 5\u00d75 filter slides", color=ACCENT, bold=True)
    _text(p, 0, y0 + 8 * cell + 16, 8 * cell + 48, "over every position")
    _text(p, ox - 40, oy - 18, 4 * out_cell + 80, "feature map 4\u00d74")
    _text(p, ox - 50, oy + 4 * out_cell + 4, 4 * out_cell + 100, "one number for")
    _text(p, ox - 50, oy + 4 * out_cell + 18, 4 * out_cell + 100, "each position")


def _paint_filter(p: QPainter) -> None:
    from gui.widgets.feature_maps import rgb_pixmap, weight_rgb

    kernel = np.array([[-1, -0.5, 0.4, 1, 0.4]] * 5, np.float32)
    kernel[0] *= 0.6
    kernel[4] *= 0.6
    p.drawPixmap(QPointF(30, 20), rgb_pixmap(weight_rgb(kernel), 16))
    p.setPen(QPen(GRID, 1))
    p.drawRect(QRectF(30, 20, 80, 80))
    _text(p, 10, 104, 120, "5\u00d75 weights")
    _text(p, 130, 36, 130, "red: adds", color=BAD, bold=True, align=Qt.AlignLeft)
    _text(p, 130, 54, 130, "blue: subtracts", color=INK, bold=True, align=Qt.AlignLeft)
    _text(p, 130, 78, 140, "this one finds a stroke's", align=Qt.AlignLeft)
    _text(p, 130, 92, 140, "left edge", align=Qt.AlignLeft)


def _edge_response(image: np.ndarray) -> np.ndarray:
    """A vertical-edge filter slid over ``image`` (valid positions), negative values cut."""
    kernel = np.array([[-1, -0.5, 0.4, 1, 0.4]] * 5, np.float32)
    h, w = image.shape
    out = np.zeros((h - 4, w - 4), np.float32)
    for r in range(5):
        for c in range(5):
            out += kernel[r, c] * image[r:r + h - 4, c:c + w - 4]
    return np.maximum(out, 0)


def _paint_feature_map(p: QPainter) -> None:
    from gui.widgets.feature_maps import activation_rgb, rgb_pixmap

    image = digit_image()
    _draw_digit(p, QRectF(16, 22, 84, 84), image)
    _text(p, 6, 4, 104, "the image")
    _arrow(p, 108, 64, 150, 64, ACCENT)
    _text(p, 96, 40, 66, "filter", color=ACCENT, bold=True)
    response = _edge_response(image)
    pixmap = rgb_pixmap(activation_rgb(response), 3)
    p.drawPixmap(QRectF(162, 28, 72, 72), pixmap, QRectF(pixmap.rect()))
    _text(p, 150, 4, 100, "its feature map")
    _text(p, 140, 104, 120, "bright: pattern found")


def _paint_pooling(p: QPainter) -> None:
    values = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 1, 7, 2], [2, 6, 3, 1]])
    tints = (QColor(214, 228, 250), QColor(253, 226, 200), QColor(214, 240, 220), QColor(235, 220, 245))
    fill = [[tints[(r // 2) * 2 + c // 2] for c in range(4)] for r in range(4)]
    _grid(p, 24, 24, 4, 4, 20, values, fill, numbers=True)
    pooled = values.reshape(2, 2, 2, 2).max(axis=(1, 3))
    pooled_fill = [[tints[r * 2 + c] for c in range(2)] for r in range(2)]
    _arrow(p, 116, 64, 162, 64, ACCENT)
    _grid(p, 180, 44, 2, 2, 20, pooled, pooled_fill, numbers=True)
    _text(p, 14, 4, 100, "4\u00d74")
    _text(p, 160, 24, 80, "2\u00d72")
    _text(p, 100, 40, 78, "largest of", color=ACCENT, bold=True)
    _text(p, 100, 70, 78, "each 2\u00d72", color=ACCENT, bold=True)
    _text(p, 0, 110, PICTURE_WIDTH, "half as wide, half as high")


def _paint_flatten(p: QPainter) -> None:
    values = np.arange(1, 10).reshape(3, 3)
    tints = (QColor(214, 228, 250), QColor(253, 226, 200), QColor(214, 240, 220))
    fill = [[tints[r]] * 3 for r in range(3)]
    _grid(p, 20, 30, 3, 3, 20, values, fill, numbers=True)
    _arrow(p, 88, 60, 116, 60, ACCENT)
    flat = values.reshape(1, 9)
    flat_fill = [[tints[i // 3] for i in range(9)]]
    _grid(p, 124, 50, 1, 9, 15, flat, flat_fill, numbers=True)
    _text(p, 10, 10, 80, "3\u00d73")
    _text(p, 124, 30, 135, "a list of 9")
    _text(p, 0, 100, PICTURE_WIDTH, "row after row; nothing is lost")


def _nodes(count: int, x: float, top: float, bottom: float) -> list[QPointF]:
    step = (bottom - top) / max(1, count - 1)
    return [QPointF(x, top + i * step) for i in range(count)]


def _network(p: QPainter, off: set[int] | None = None) -> None:
    left = _nodes(5, 60, 28, 96)
    right = _nodes(4, 200, 36, 88)
    off = off or set()
    p.save()
    for i, a in enumerate(left):
        for b in right:
            if i in off:
                continue
            p.setPen(QPen(QColor(150, 170, 210), 1))
            p.drawLine(a, b)
    for i, point in enumerate(left):
        dead = i in off
        p.setPen(QPen(GRID if dead else INK, 1.5))
        p.setBrush(QColor(240, 240, 240) if dead else PALE)
        p.drawEllipse(point, 8, 8)
        if dead:
            p.setPen(QPen(BAD, 2))
            p.drawLine(QLineF(point.x() - 6, point.y() - 6, point.x() + 6, point.y() + 6))
            p.drawLine(QLineF(point.x() - 6, point.y() + 6, point.x() + 6, point.y() - 6))
    for point in right:
        p.setPen(QPen(ACCENT, 1.5))
        p.setBrush(QColor(253, 226, 200))
        p.drawEllipse(point, 8, 8)
    p.restore()


def _paint_dense(p: QPainter) -> None:
    _network(p)
    _text(p, 20, 108, 80, "inputs")
    _text(p, 160, 108, 80, "neurons")
    _text(p, 0, 2, PICTURE_WIDTH, "each input to every neuron")


def _paint_dropout(p: QPainter) -> None:
    _network(p, off={1, 3})
    _text(p, 0, 108, PICTURE_WIDTH, "each batch, a random 40% switched off", color=BAD)
    _text(p, 0, 2, PICTURE_WIDTH, "while training")


def _paint_softmax(p: QPainter) -> None:
    probabilities = [0.01, 0.02, 0.03, 0.02, 0.01, 0.01, 0.0, 0.84, 0.02, 0.04]
    x0, base, width, height = 22, 92, 22, 70
    p.save()
    p.setPen(QPen(GRID, 1))
    p.drawLine(QLineF(x0 - 4, base, x0 + 10 * width, base))
    for digit, value in enumerate(probabilities):
        bar = QRectF(x0 + digit * width + 3, base - height * value, width - 6, height * value)
        p.fillRect(bar, ACCENT if digit == 7 else QColor(70, 130, 180))
        _text(p, x0 + digit * width, base + 2, width, str(digit))
    p.restore()
    _text(p, x0 + 7 * width - 40, base - height * 0.84 - 18, width + 80, "84%: it's a 7", color=ACCENT, bold=True)
    _text(p, 0, 114, PICTURE_WIDTH, "ten probabilities adding up to 100%")


def _paint_confusion_matrix(p: QPainter) -> None:
    size, cell, x0, y0 = 6, 14, 40, 16
    counts = np.full((size, size), 0.0)
    np.fill_diagonal(counts, 1.0)
    counts[4, 5] = 0.35  # 4s read as 5s, for the picture
    counts[2, 3] = 0.15
    counts[5, 3] = 0.2
    p.save()
    for r in range(size):
        for c in range(size):
            v = counts[r, c]
            color = QColor(int(247 - 239 * v), int(251 - 203 * v), int(255 - 148 * v))
            rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell)
            p.fillRect(rect, color)
            p.setPen(QPen(GRID, 0.6))
            p.drawRect(rect)
    p.setPen(QPen(ACCENT, 2))
    p.drawRect(QRectF(x0 + 5 * cell, y0 + 4 * cell, cell, cell))
    p.restore()
    _text(p, x0, y0 + size * cell + 2, size * cell, "read as")
    p.save()
    p.translate(x0 - 10, y0 + size * cell / 2)
    p.rotate(-90)
    _text(p, -size * cell / 2, -8, size * cell, "true digit")
    p.restore()
    _text(p, 150, 30, 120, "diagonal: right", color=INK, bold=True, align=Qt.AlignLeft)
    _text(p, 150, 64, 120, "elsewhere:", color=ACCENT, bold=True, align=Qt.AlignLeft)
    _text(p, 150, 78, 120, "mistakes", color=ACCENT, bold=True, align=Qt.AlignLeft)
    _arrow(p, 147, 78, x0 + 5 * cell + cell + 2, y0 + 4.5 * cell, ACCENT, 1.2)


def _paint_augmentation(p: QPainter) -> None:
    base = digit_image()
    variants = (("original", 0.0, 0, 0, 1.0), ("shifted", 0.0, 3, 2, 1.0), ("turned", 12.0, 0, 0, 1.0),
                ("smaller", 0.0, 0, 0, 0.8))
    side = 52
    for i, (label, angle, dx, dy, scale) in enumerate(variants):
        x = 10 + i * 64
        rect = QRectF(x, 30, side, side)
        p.save()
        p.fillRect(rect, QColor(0, 0, 0))
        p.setClipRect(rect)
        p.translate(rect.center())
        p.rotate(angle)
        p.scale(scale, scale)
        p.translate(dx * side / 28, dy * side / 28)
        p.setRenderHint(QPainter.SmoothPixmapTransform, True)
        p.drawImage(QRectF(-side / 2, -side / 2, side, side), _grey_image(base))
        p.restore()
        _text(p, x - 6, 88, side + 12, label, color=ACCENT if i else TEXT, bold=bool(i))
    _text(p, 0, 6, PICTURE_WIDTH, "a slightly different copy every time")


_PAINTERS = {
    "epoch": _paint_epoch,
    "batch": _paint_batch,
    "learning_rate": _paint_learning_rate,
    "loss": _paint_loss,
    "accuracy": _paint_accuracy,
    "validation": _paint_validation,
    "test_set": _paint_test_set,
    "convolution": _paint_convolution,
    "filter": _paint_filter,
    "feature_map": _paint_feature_map,
    "pooling": _paint_pooling,
    "flatten": _paint_flatten,
    "dense": _paint_dense,
    "dropout": _paint_dropout,
    "softmax": _paint_softmax,
    "confusion_matrix": _paint_confusion_matrix,
    "augmentation": _paint_augmentation,
}
