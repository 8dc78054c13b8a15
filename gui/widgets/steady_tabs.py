"""A QTabWidget that does not repaint its whole page when something inside it changes size.

Any label whose text changes asks the layouts above it to be redone, up to the window. Qt's
QTabWidget answers such a request by laying out its tab bar and page again *and repainting the
whole page*, even when nothing moved: a prediction in the Draw tab or the ticking speed in the
Train tab then repaints the drawing pad, the plots, the layer table and the feature maps, several
times a second (and on the GUI thread, holding the GIL that training needs). This one skips the
request when neither its own size hints nor its tab bar's changed, since there is nothing for it
to move then; the page's own layouts have already been redone by the time the request gets here.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QTabWidget


class SteadyTabWidget(QTabWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._laid_out_for = None  # the size hints of the last layout request that was carried out
        self.skipped_layouts = 0   # requests skipped (for tests)

    def _hints(self) -> tuple:
        return (self.size(), self.minimumSizeHint(), self.sizeHint(), self.tabBar().sizeHint(), self.count())

    def event(self, event) -> bool:
        if event.type() == QEvent.LayoutRequest:
            hints = self._hints()
            if hints == self._laid_out_for:
                self.skipped_layouts += 1
                return True
            self._laid_out_for = hints
        return super().event(event)
