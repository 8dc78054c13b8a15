"""The guided tour: it starts on the program's first start (never by itself in a window a test
makes), walks draw -> data -> train -> compare -> help, Skip ends it and remembers it, and
Help > Guided tour shows it again."""

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings
from PySide6.QtWidgets import QWidget

from gui.main_window import MainWindow
from gui.tasks import wait_for_tasks
from gui.tour import SETTINGS_DONE


@pytest.fixture
def window(qtbot):
    win = MainWindow(load_defaults=False)
    qtbot.addWidget(win)
    win._closing_confirmed = True
    win.show()
    qtbot.waitExposed(win)
    yield win
    wait_for_tasks()


def overlay(win):
    return win.findChild(QWidget, "tourOverlay")


def help_action(win, text):
    menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "Help")
    return next(a for a in menu.actions() if a.text().replace("&", "") == text)


def test_a_window_never_starts_the_tour_by_itself(window, qtbot):
    qtbot.wait(50)
    assert overlay(window) is None and window.explanations.tour is None


def test_the_program_starts_it_on_the_first_start_only(qtbot):
    from gui.app import show_main_window

    first = show_main_window(load_defaults=False)
    qtbot.addWidget(first)
    first._closing_confirmed = True
    qtbot.waitUntil(lambda: first.explanations.tour is not None and first.explanations.tour.active, timeout=5000)
    assert overlay(first).isVisible()
    first.explanations.tour.skip()
    assert QSettings().value(SETTINGS_DONE, False, type=bool)

    second = show_main_window(load_defaults=False)
    qtbot.addWidget(second)
    second._closing_confirmed = True
    assert not second.explanations.start_tour_if_first_time()
    assert second.explanations.tour is None
    wait_for_tasks()


def test_steps_switch_tabs_and_highlight_their_part(window, qtbot):
    window.explanations.start_tour()
    tour = window.explanations.tour
    assert tour.active and tour.index == 0
    titles, tabs = [], []
    while True:
        qtbot.wait(1)  # the hole is placed again once the tab's layout has settled
        titles.append(tour.step.title)
        tabs.append(window.tabs.tabText(window.tabs.currentIndex()))
        target = tour.step.target()
        hole = overlay(window).hole
        assert target is not None and not hole.isEmpty()
        assert hole.contains(QRect(target.mapTo(window, QPoint(0, 0)), target.size()))
        # The highlighted part can be used: the overlay's mask leaves it out.
        assert not overlay(window).mask().contains(target.mapTo(window, target.rect().center()))
        if tour.index == len(tour.steps) - 1:
            break
        overlay(window).next_button.click()
    assert titles[:3] == ["Draw a digit", "Browse the data", "Train a network"]
    assert tabs[:3] == ["Draw", "Data", "Train"]
    assert tabs[3] in ("Runs", "Results")  # comparing runs; the Results tab where there is no Runs tab
    assert titles[-1] == "Help is always here" and window.explanations.dock.isVisible()
    assert overlay(window).next_button.text() == "Finish"
    overlay(window).back_button.click()
    assert tour.index == len(tour.steps) - 2
    overlay(window).next_button.click()
    overlay(window).next_button.click()  # Finish
    assert not tour.active and QSettings().value(SETTINGS_DONE, False, type=bool)


def test_skip_ends_it_and_help_reopens_it(window, qtbot):
    assert window.explanations.start_tour_if_first_time()
    tour = window.explanations.tour
    ended = []
    tour.ended.connect(ended.append)
    overlay(window).next_button.click()
    overlay(window).skip_button.click()
    assert not tour.active and ended == [False]
    qtbot.waitUntil(lambda: overlay(window) is None)
    assert QSettings().value(SETTINGS_DONE, False, type=bool)
    assert not window.explanations.start_tour_if_first_time()

    help_action(window, "Guided tour").trigger()
    assert tour.active and tour.index == 0 and overlay(window).isVisible()
    assert window.tabs.currentWidget() is window.draw_tab


def test_escape_skips(window, qtbot):
    from PySide6.QtCore import Qt

    window.explanations.start_tour()
    qtbot.keyClick(overlay(window).next_button, Qt.Key_Escape)
    assert not window.explanations.tour.active
