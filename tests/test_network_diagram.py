"""The network diagram: the tutorial CNN's shapes, kept up to date as the layer list is edited, an
impossible network's reason, and a clicked layer explained with what it learned."""

import pytest
from PySide6.QtCore import Qt

from core.spec import conv2d, dense, flatten, maxpool2d, small_cnn, tutorial_cnn
from gui.tasks import wait_for_tasks
from gui.widgets.network_diagram import NetworkDiagram

TIMEOUT_MS = 120_000
TUTORIAL_SHAPES = ["28×28×1", "24×24×32", "12×12×32", "8×8×64", "4×4×64", "1024", "1024", "1024", "10"]


@pytest.fixture
def diagram(qtbot):
    widget = NetworkDiagram()
    qtbot.addWidget(widget)
    widget.resize(620, widget.sizeHint().height())
    widget.show()
    return widget


def test_tutorial_cnn_shapes(diagram):
    diagram.set_layers(tutorial_cnn().layers)
    assert diagram.shapes() == TUTORIAL_SHAPES
    names = [block.name for block in diagram.blocks()]
    assert names == ["Input", "Conv 5×5", "Pool 2×2", "Conv 5×5", "Pool 2×2", "Flatten", "Dense", "Drop 20%",
                     "Softmax"]
    assert not diagram.error and not diagram.errorLabel.isVisible()
    # Every block has its own place, left to right, inside the widget.
    rects = [block.rect for block in diagram.blocks()]
    assert all(a.right() < b.left() for a, b in zip(rects, rects[1:]))
    assert rects[0].left() >= 0 and rects[-1].right() <= diagram.width()
    assert diagram.describe_block(diagram.block(0)) == (
        "Layer 1: a convolution with 32 filters of 5×5 pixels\n"
        "Passes on 24×24×32 (32 maps of 24×24) · 832 parameters to learn")  # 5*5*1*32 + 32


def test_impossible_network_shows_why(diagram, qtbot):
    diagram.set_layers((conv2d(32, 5), dense(10)))
    assert "Flatten" in diagram.error
    qtbot.waitUntil(diagram.errorLabel.isVisible)
    assert "Flatten" in diagram.errorLabel.text()
    assert diagram.shapes() == ["28×28×1", "24×24×32", "?", "?"]
    assert diagram.block(1).bad and not diagram.block(0).bad
    with_reason = diagram.sizeHint().height()
    diagram.set_layers((flatten(), dense(64)))
    assert not diagram.error and not diagram.errorLabel.isVisible()
    assert diagram.shapes() == ["28×28×1", "784", "64", "10"]
    assert diagram.sizeHint().height() < with_reason  # the reason had room of its own


def test_a_kernel_too_large_for_its_input(diagram):
    diagram.set_layers((conv2d(8, 5), maxpool2d(2), maxpool2d(2), conv2d(8, 9), flatten()))
    assert "larger than" in diagram.error and diagram.block(3).bad
    assert diagram.shapes()[:4] == ["28×28×1", "24×24×8", "12×12×8", "6×6×8"]


def test_hover_names_the_kind_and_click_emits_the_layer(diagram, qtbot):
    diagram.set_layers(small_cnn().layers)
    blocks = diagram.blocks()
    assert diagram.explain_key_at(blocks[0].rect.center()) == "input"
    assert diagram.explain_key_at(blocks[1].rect.center()) == "convolution"
    assert diagram.explain_key_at(blocks[2].rect.center()) == "pooling"
    assert diagram.explain_key_at(blocks[-1].rect.center()) == "softmax"
    with qtbot.waitSignal(diagram.blockClicked) as clicked:
        qtbot.mouseClick(diagram, Qt.LeftButton, pos=blocks[3].rect.center().toPoint())
    assert clicked.args == [2] and diagram.selected() == 2  # the list's third layer


# In the window ---------------------------------------------------------------------------------


@pytest.fixture
def window(qtbot):
    from gui.main_window import MainWindow

    win = MainWindow(load_defaults=False)
    qtbot.addWidget(win)
    win._closing_confirmed = True
    win.resize(1280, 820)
    win.tabs.setCurrentWidget(win.train_tab)
    win.show()
    yield win
    wait_for_tasks()


def click_block(qtbot, diagram, index):
    qtbot.mouseClick(diagram, Qt.LeftButton, pos=diagram.block(index).rect.center().toPoint())


def test_train_tab_diagram_follows_the_layer_list(window, qtbot):
    tab = window.train_tab
    diagram = tab.network_diagram
    tab.set_spec(tutorial_cnn())
    assert diagram.shapes() == TUTORIAL_SHAPES and diagram.isVisible()
    tab.layer_editor.remove_layer(6)  # the dropout
    assert diagram.shapes() == TUTORIAL_SHAPES[:7] + ["10"]
    tab.layer_editor.remove_layer(4)  # the flatten: now impossible
    assert diagram.error == tab.layer_editor.error and "Flatten" in diagram.error
    tab.layer_editor.add_layer("flatten", 4)
    assert not diagram.error and diagram.shapes()[-3:] == ["1024", "1024", "10"]


def test_clicking_a_layer_explains_it(window, qtbot):
    tab = window.train_tab
    tab.set_spec(tutorial_cnn())
    click_block(qtbot, tab.network_diagram, 2)  # the second convolution
    panel = window.explanations.panel
    assert window.explanations.dock.isVisible() and panel.pinned
    assert panel.title_label.text() == "Convolution"
    assert "Layer 3" in panel.text_label.text() and "8×8×64" in panel.text_label.text()
    assert any("Train this network" in text for text in panel.insight_captions())  # no model yet
    click_block(qtbot, tab.network_diagram, 3)
    assert panel.title_label.text() == "Pooling" and not panel.insight.isVisibleTo(panel)


def test_a_trained_model_shows_what_its_layers_learned(window, qtbot):
    from core.model_io import build_model, check_model

    qtbot.waitUntil(lambda: window.session.tensorflow_ready, timeout=TIMEOUT_MS)
    tab, panel = window.train_tab, window.explanations.panel
    tab.set_spec(small_cnn())
    diagram = tab.network_diagram
    window.session.set_model(check_model(build_model(small_cnn())), unsaved=True)
    click_block(qtbot, diagram, 0)  # the first convolution, before the Draw tab has the model ready
    assert panel.title_label.text() == "Convolution"
    # Once the Draw tab's one-call predictor is ready, the panel shows the filters and maps.
    qtbot.waitUntil(lambda: any("filters it learned" in t for t in panel.insight_captions()), timeout=TIMEOUT_MS)
    captions = " ".join(panel.insight_captions())
    assert "The 8 filters it learned" in captions and "Its 8 feature maps" in captions
    click_block(qtbot, diagram, 2)  # the second convolution: its maps, no filters
    captions = " ".join(panel.insight_captions())
    assert "Its 16 feature maps" in captions and "filters it learned" not in captions

    tab.layer_editor.remove_layer(2)  # the list no longer matches the model
    click_block(qtbot, diagram, 0)
    assert any("is not this network" in text for text in panel.insight_captions())
