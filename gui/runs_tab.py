"""The Runs tab: every training kept, listed, compared; and the CNN-vs-regular-network comparison.

Top: "Compare CNN vs regular network" trains the tutorial's CNN and then a regular (fully
connected) network on the Train tab's data, epochs and seed (:mod:`gui.comparison`), with its
progress. Middle: the table of saved runs (:mod:`core.runs`), sortable by any column; damaged run
folders are greyed, with the reason in their tooltip. Below it: Rename, Delete, Open in Results,
Open in Draw, and the setting that makes runs also write Keras's CSV and TensorBoard logs.
Bottom: the selected runs side by side (test accuracy, parameters, training time, per-digit
accuracy), how their networks and settings differ, and their curves on one pair of plots. The
same curves are offered to the Train tab's plots through ``overlaysChanged``.
"""

from __future__ import annotations

import math
import textwrap
from collections import deque

from PySide6.QtCore import (QAbstractTableModel, QItemSelection, QItemSelectionModel, QModelIndex,
                            QSortFilterProxyModel, Qt, QTimer, Signal)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
                               QMessageBox, QProgressBar, QPushButton, QSizePolicy, QSplitter, QStackedWidget,
                               QTableView, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from core.errors import StudioError
from core.runs import DamagedRun, RunRecord, RunStore, run_differences
from gui.comparison import Comparison
from gui.training_worker import keras_logs_enabled, set_keras_logs_enabled

COLUMNS = ("Name", "Date", "Preset", "Status", "Epochs", "Test accuracy", "Train time", "Parameters")
NUMERIC_COLUMNS = {4, 5, 6, 7}
SORT_ROLE = Qt.UserRole
RUN_ROLE = Qt.UserRole + 1
MAX_OVERLAYS = 8
OVERLAY_LABEL_LENGTH = 36
DRAIN_MS = 50
DAMAGED_COLOR = QColor(150, 150, 150)
STATUS_COLORS = {"stopped": QColor(160, 90, 0), "failed": QColor(180, 30, 30)}
BEST_BACKGROUND = QColor(222, 242, 222)
DEFAULT_COMPARISON = (0, 3, 42)   # train limit (0: all), epochs, seed when no Train tab says otherwise


def format_seconds(seconds: float) -> str:
    """12.3 s, 4 min 05 s, 1 h 02 min."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_date(run) -> str:
    created = run.created_at if isinstance(run, RunRecord) else None
    if created is None:
        return run.id[:17].replace("_", " ") if isinstance(run, DamagedRun) else ""
    return created.strftime("%Y-%m-%d %H:%M")


def _header(name: str) -> str:
    """A run's name as a column title: wrapped onto at most three short lines."""
    return textwrap.fill(name, width=16, max_lines=3, placeholder="\u2026")


def _short_label(name: str) -> str:
    """A run's name short enough for a plot's legend (the plots can be narrow)."""
    return name if len(name) <= OVERLAY_LABEL_LENGTH else name[:OVERLAY_LABEL_LENGTH - 1].rstrip() + "\u2026"


class RunsTableModel(QAbstractTableModel):
    """The runs of a RunStore as table rows (RunRecord or DamagedRun)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._runs: list = []

    def set_runs(self, runs) -> None:
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def run_at(self, row: int):
        return self._runs[row]

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        run, column = self._runs[index.row()], index.column()
        if role == Qt.DisplayRole:
            return self._text(run, column)
        if role == SORT_ROLE:
            return self._sort_key(run, column)
        if role == RUN_ROLE:
            return run
        if role == Qt.ToolTipRole:
            return self._tooltip(run)
        if role == Qt.ForegroundRole:
            if run.damaged:
                return DAMAGED_COLOR
            if column == 3:
                return STATUS_COLORS.get(run.status)
        if role == Qt.FontRole and run.damaged:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    @staticmethod
    def _text(run, column: int) -> str:
        if column == 0:
            return run.name
        if column == 1:
            return format_date(run)
        if column == 3:
            return "damaged" if run.damaged else run.status
        if run.damaged:
            return ""
        if column == 2:
            return run.preset
        if column == 4:
            done, planned = run.epochs_completed, run.epochs_planned
            return f"{done}" if done == planned else f"{done} of {planned}"
        if column == 5:
            return "" if run.test_accuracy is None else f"{run.test_accuracy:.2%}"
        if column == 6:
            return format_seconds(run.train_seconds)
        if column == 7:
            return f"{run.parameter_count:,}"
        return ""

    @staticmethod
    def _sort_key(run, column: int):
        if column == 0:
            return run.name.lower()
        if column == 1:
            return run.created if isinstance(run, RunRecord) and run.created else run.id
        if column == 3:
            return "damaged" if run.damaged else run.status
        if run.damaged:
            return "" if column == 2 else -1.0
        if column == 2:
            return run.preset.lower()
        if column == 4:
            return float(run.epochs_completed)
        if column == 5:
            return -1.0 if run.test_accuracy is None else float(run.test_accuracy)
        if column == 6:
            return float(run.train_seconds)
        return float(run.parameter_count)

    @staticmethod
    def _tooltip(run) -> str:
        if run.damaged:
            return f"This run is damaged: {run.reason}\nFolder: {run.folder}\nIt can only be deleted."
        lines = [f"{run.name} ({run.status})"]
        if run.message:
            lines.append(run.message)
        lines.append(f"{run.preset}: {run.parameter_count:,} parameters, trained on {run.train_samples:,} images")
        if run.settings_note:
            lines.append(run.settings_note)
        if run.test_accuracy is not None:
            lines.append(f"Test accuracy {run.test_accuracy:.2%} on {run.test_samples:,} test images")
        lines.append(f"Folder: {run.folder}")
        return "\n".join(lines)


class _SortProxy(QSortFilterProxyModel):
    """Sorts by SORT_ROLE (numbers as numbers); equal keys fall back to the date."""

    def lessThan(self, left, right) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a == b or type(a) is not type(b):
            source = self.sourceModel()
            a = source.index(left.row(), 1).data(SORT_ROLE)
            b = source.index(right.row(), 1).data(SORT_ROLE)
        return a < b


class RunsTab(QWidget):
    """The Runs tab over a :class:`gui.session.Session` and a :class:`core.runs.RunStore`."""

    overlaysChanged = Signal(list)          # [(label, core.runs.RunHistory)] of the selected runs
    openModelRequested = Signal(str, str)   # a run's model file, and "results" or "draw"
    comparisonEnded = Signal(str)           # "finished", "stopped" or "failed"

    def __init__(self, session, store: RunStore | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runsTab")
        self.session = session
        self.store = store if store is not None else RunStore()
        self._comparison_settings_source = lambda: DEFAULT_COMPARISON
        self.comparison: Comparison | None = None
        self.last_comparison: list = []      # the ComparisonSteps of the last comparison that ended
        self._histories: dict[str, object] = {}
        self._inbox: deque = deque()
        self._live = False                   # the plots follow a comparison's running network
        self._step_text = ""
        self._plan = None                    # the plan of the comparison's running network
        self._compare_note = ""              # how the last comparison ended, shown until the next
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(DRAIN_MS)
        self._drain_timer.timeout.connect(self._drain)
        self._build()
        session.trainingActiveChanged.connect(self._update_buttons)
        session.tensorflowReady.connect(self._update_buttons)
        session.datasetChanged.connect(self._update_buttons)
        # The runs folder is read when the tab is first shown (or refresh() is called), not while
        # the window starts: reading many runs' curves takes a moment.

    # Construction ------------------------------------------------------------------------------

    def _build(self) -> None:
        from gui.widgets.live_plots import LivePlots

        compare_row = QHBoxLayout()
        self.compareButton = QPushButton("Compare CNN vs regular network")
        self.compareButton.setObjectName("runsCompareButton")
        bold = QFont(self.compareButton.font())
        bold.setBold(True)
        self.compareButton.setFont(bold)
        self.compareButton.clicked.connect(self.start_comparison)
        self.compareProgress = QProgressBar()
        self.compareProgress.setObjectName("compareProgress")
        self.compareProgress.setRange(0, 1000)
        self.compareProgress.setTextVisible(False)
        self.compareProgress.setFixedWidth(160)
        self.compareProgress.hide()
        self.compareLabel = QLabel()
        self.compareLabel.setObjectName("compareLabel")
        self.compareLabel.setWordWrap(True)
        self.compareLabel.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.stopCompareButton = QPushButton("Stop")
        self.stopCompareButton.setObjectName("stopCompareButton")
        self.stopCompareButton.setToolTip("Stop the network training now (it is kept and scored) and skip the rest.")
        self.stopCompareButton.clicked.connect(self.stop_comparison)
        self.stopCompareButton.hide()
        compare_row.addWidget(self.compareButton)
        compare_row.addWidget(self.compareProgress)
        compare_row.addWidget(self.compareLabel, 1)
        compare_row.addWidget(self.stopCompareButton)

        self.model = RunsTableModel(self)
        self.proxy = _SortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        self.table.setToolTip("Every training run, kept in the runs folder. Click a column title to sort;\n"
                              "select runs (Ctrl+click for several) to see them side by side and their curves "
                              "together.\nDouble-click a run to open its model in the Results tab.")
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_selected("results"))

        buttons = QHBoxLayout()
        self.renameButton = self._button("Rename\u2026", "renameRunButton", self.rename_selected,
                                         "Give the selected run a name of your own.")
        self.deleteButton = self._button("Delete\u2026", "deleteRunButton", self.delete_selected,
                                         "Delete the selected runs and their files (after asking).")
        self.openResultsButton = self._button("Open in Results", "openRunInResultsButton",
                                              lambda: self.open_selected("results"),
                                              "Make the selected run's model the active model and score it "
                                              "on the test images in the Results tab.")
        self.openDrawButton = self._button("Open in Draw", "openRunInDrawButton", lambda: self.open_selected("draw"),
                                           "Make the selected run's model the active model and draw digits for it.")
        for button in (self.renameButton, self.deleteButton, self.openResultsButton, self.openDrawButton):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.kerasLogsCheckBox = QCheckBox("Also write Keras logs (CSV, TensorBoard)")
        self.kerasLogsCheckBox.setObjectName("kerasLogsCheckBox")
        self.kerasLogsCheckBox.setChecked(keras_logs_enabled())
        self.kerasLogsCheckBox.toggled.connect(set_keras_logs_enabled)
        buttons.addWidget(self.kerasLogsCheckBox)
        self.folderLabel = QLabel()
        self.folderLabel.setObjectName("runsFolderLabel")
        self.folderLabel.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.folderLabel.setStyleSheet("color: #555;")
        self._describe_folder()

        top = QWidget()
        top_column = QVBoxLayout(top)
        top_column.setContentsMargins(0, 0, 0, 0)
        self.emptyRunsLabel = QLabel(
            "<b>No runs yet.</b><br>Every network trained in the Train tab, by <i>Compare CNN vs regular "
            "network</i> or by <code>main.py train</code> is kept here,<br>with its settings, curves, test "
            "results and model file, to look back on and compare.")
        self.emptyRunsLabel.setObjectName("emptyRunsLabel")
        self.emptyRunsLabel.setAlignment(Qt.AlignCenter)
        self.emptyRunsLabel.setWordWrap(True)
        self.emptyRunsLabel.setStyleSheet("color: #555; background: white; border: 1px solid #c8c8c8;")
        self.tableStack = QStackedWidget()  # the list, or what will appear there once there are runs
        self.tableStack.addWidget(self.table)
        self.tableStack.addWidget(self.emptyRunsLabel)
        top_column.addWidget(self.tableStack, 1)
        top_column.addLayout(buttons)
        top_column.addWidget(self.folderLabel)

        self.sideBySideTable = self._figure_table("sideBySideTable")
        self.differencesTable = self._figure_table("differencesTable")
        self.details = QTabWidget()
        self.details.setObjectName("runDetails")
        self.details.addTab(self.sideBySideTable, "Side by side")
        self.details.addTab(self.differencesTable, "How they differ")
        self.plots = LivePlots()
        self.plots.setObjectName("runsPlots")
        self.plots.show_live_legend(False)  # only while a comparison trains
        bottom = QSplitter(Qt.Horizontal)
        bottom.setChildrenCollapsible(False)
        bottom.addWidget(self.details)
        bottom.addWidget(self.plots)
        bottom.setStretchFactor(0, 0)
        bottom.setStretchFactor(1, 1)
        bottom.setSizes([470, 800])

        self.splitter = QSplitter(Qt.Vertical)
        self.splitter.setObjectName("runsSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setSizes([220, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(compare_row)
        layout.addWidget(self.splitter, 1)
        self._update_buttons()
        self._show_details([])

    def _button(self, text, name, slot, tip) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    @staticmethod
    def _figure_table(name: str) -> QTableWidget:
        table = QTableWidget()
        table.setObjectName(name)
        table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.NoSelection)
        table.verticalHeader().setDefaultSectionSize(21)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        return table

    def _describe_folder(self) -> None:
        import importlib.util

        folder = self.store.folder
        self.folderLabel.setText(f"Runs are kept in {folder}")
        tensorboard = ("Open them with:  tensorboard --logdir \"{}\"".format(folder)
                       if importlib.util.find_spec("tensorboard") is not None else
                       "TensorBoard event files need the tensorboard package (pip install tensorboard); "
                       "without it only the CSV log is written.")
        self.kerasLogsCheckBox.setToolTip(
            "Off by default. When on, every new run also writes Keras's own logs into its folder:\n"
            "log.csv (one line per epoch, from keras.callbacks.CSVLogger) and TensorBoard event files\n"
            f"in tensorboard/ (from keras.callbacks.TensorBoard). {tensorboard}")
        self.folderLabel.setToolTip(self.kerasLogsCheckBox.toolTip())

    # The list ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the runs folder again, keeping the selection."""
        selected = {run.id for run in self.selected_runs(include_damaged=True)}
        runs = self.store.list_runs()
        present = {run.id for run in runs}
        self._histories = {key: value for key, value in self._histories.items() if key in present}
        self.model.set_runs(runs)
        self.tableStack.setCurrentWidget(self.table if runs else self.emptyRunsLabel)
        self.select_runs([run_id for run_id in selected if run_id in present], emit_if_same=False)
        self._update_buttons()

    def runs(self) -> list:
        """The runs listed, in the table's current order."""
        return [self.proxy.index(row, 0).data(RUN_ROLE) for row in range(self.proxy.rowCount())]

    def add_run(self, record) -> None:
        """A run was just saved (by the Train tab): list it (at once if the tab is in view; else
        when it is next shown)."""
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.comparison_running:
            self.refresh()

    def selected_runs(self, include_damaged: bool = False) -> list:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        runs = [self.proxy.index(row, 0).data(RUN_ROLE) for row in rows]
        return [run for run in runs if include_damaged or not run.damaged]

    def select_runs(self, run_ids, emit_if_same: bool = True) -> None:
        """Select the runs with these ids (and only them)."""
        wanted = set(run_ids)
        selection = QItemSelection()
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(RUN_ROLE).id in wanted:
                selection.select(self.proxy.index(row, 0), self.proxy.index(row, len(COLUMNS) - 1))
        model = self.table.selectionModel()
        model.blockSignals(True)
        model.select(selection, QItemSelectionModel.ClearAndSelect)
        model.blockSignals(False)
        self._on_selection_changed()

    def _on_selection_changed(self, *_args) -> None:
        records = self.selected_runs()
        self._update_buttons()
        self._show_details(records)
        if not self._live:
            self._show_curves(records)

    def _show_curves(self, records) -> None:
        overlays = self.overlays(records)
        self.plots.set_overlays(overlays)
        self.overlaysChanged.emit(overlays)

    def overlays(self, records) -> list:
        """(label, history) of each of these runs whose curves can be read (at most MAX_OVERLAYS)."""
        overlays = []
        for record in records[:MAX_OVERLAYS]:
            history = self._history(record)
            if history is not None:
                overlays.append((_short_label(record.name), history))
        return overlays

    def _history(self, record):
        if record.id not in self._histories:
            try:
                self._histories[record.id] = self.store.load_history(record)
            except StudioError as error:
                self.session.statusMessage.emit(str(error))
                return None
        return self._histories[record.id]

    # Side by side and differences ----------------------------------------------------------------

    def _show_details(self, records) -> None:
        self._fill_side_by_side(records)
        self._fill_differences(records)

    @staticmethod
    def _message(table: QTableWidget, text: str) -> None:
        table.clear()
        table.setRowCount(1)
        table.setColumnCount(1)
        table.setHorizontalHeaderLabels([""])
        table.setVerticalHeaderLabels([""])
        item = QTableWidgetItem(text)
        item.setForeground(QColor(100, 100, 100))
        table.setItem(0, 0, item)
        table.setWordWrap(True)

    def _fill_side_by_side(self, records) -> None:
        table = self.sideBySideTable
        if not records:
            self._message(table, "Select runs in the list above (Ctrl+click for several) to see them side by side.")
            return

        def percent(value):
            return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

        rows: list[tuple[str, list, str | None]] = [   # title, values, which is best: "max", "min" or None
            ("Network", [r.preset for r in records], None),
            ("Status", [r.status for r in records], None),
            ("Test accuracy", [percent(r.test_accuracy) for r in records], "max"),
            ("Test loss", [r.test_loss for r in records], "min"),
            ("Parameters", [r.parameter_count for r in records], None),
            ("Training time", [r.train_seconds for r in records], "min"),
            ("Images per second", [r.samples_per_second for r in records], None),
            ("Epochs", [f"{r.epochs_completed} of {r.epochs_planned}" for r in records], None),
            ("Training images", [r.train_samples for r in records], None),
        ]
        for digit in range(10):
            rows.append((f"Digit {digit}", [percent(r.per_class_accuracy[digit]) if r.per_class_accuracy else None
                                            for r in records], "max"))
        table.clear()
        table.setColumnCount(len(records))
        table.setRowCount(len(rows))
        table.setHorizontalHeaderLabels([_header(r.name) for r in records])
        table.setVerticalHeaderLabels([title for title, _values, _best in rows])
        for column, record in enumerate(records):
            table.horizontalHeaderItem(column).setToolTip(f"{record.name}\n{record.id}")
        bold = QFont()
        bold.setBold(True)
        for row, (title, values, best) in enumerate(rows):
            numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            target = (max(numbers) if best == "max" else min(numbers)) if best and len(numbers) > 1 else None
            for column, value in enumerate(values):
                item = QTableWidgetItem(self._figure_text(title, value))
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if target is not None and value == target and len(set(numbers)) > 1:
                    item.setFont(bold)
                    item.setBackground(BEST_BACKGROUND)
                table.setItem(row, column, item)

    @staticmethod
    def _figure_text(title: str, value) -> str:
        if value is None:
            return "\u2013"
        if isinstance(value, str):
            return value
        if title == "Test accuracy" or title.startswith("Digit"):
            return f"{value:.2%}"
        if title == "Test loss":
            return f"{value:.4f}"
        if title == "Training time":
            return format_seconds(value)
        if title == "Images per second":
            return f"{value:,.0f}"
        return f"{value:,}"

    def _fill_differences(self, records) -> None:
        table = self.differencesTable
        if len(records) < 2:
            self.details.setTabText(1, "How they differ")
            self._message(table, "Select two or more runs to see how their networks and settings differ.")
            return
        rows = run_differences(records)
        self.details.setTabText(1, f"How they differ ({len(rows)})")
        if not rows:
            self._message(table, "The selected runs have the same network, settings and data.")
            return
        table.clear()
        table.setColumnCount(len(records))
        table.setRowCount(len(rows))
        table.setHorizontalHeaderLabels([_header(r.name) for r in records])
        table.setVerticalHeaderLabels([title for title, _values in rows])
        for row, (_title, values) in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                table.setItem(row, column, item)

    def differences(self) -> list[tuple[str, list[str]]]:
        """What the differences table shows: (what, values) rows for the selected runs."""
        records = self.selected_runs()
        return run_differences(records) if len(records) > 1 else []

    # Rename, delete, open ------------------------------------------------------------------------

    def _update_buttons(self, *_args) -> None:
        selected = self.selected_runs(include_damaged=True)
        records = [run for run in selected if not run.damaged]
        single = records[0] if len(selected) == 1 and len(records) == 1 else None
        can_open = single is not None and single.model_path is not None and self.session.tensorflow_ready
        self.renameButton.setEnabled(single is not None)
        self.deleteButton.setEnabled(bool(selected) and not self.comparison_running)
        self.openResultsButton.setEnabled(can_open and not self.session.training_active)
        self.openDrawButton.setEnabled(can_open and not self.session.training_active)
        reason = self.why_not_compare()
        self.compareButton.setEnabled(reason is None)
        limit, epochs, seed = self._comparison_settings()
        what = (f"Trains the tutorial's CNN, then a regular neural network (every pixel connected to 512 "
                f"neurons, no convolutions),\none after the other on the same data with the same seed, and shows "
                f"their test accuracy, size, training time\nand per-digit accuracy side by side, with their curves "
                f"together.\nIt uses the Train tab's settings: {epochs} epoch{'s' if epochs != 1 else ''}, "
                f"{'all training images' if not limit else f'the first {limit:,} training images'}, seed {seed}.")
        self.compareButton.setToolTip(what if reason is None else f"{what}\n\nNot available now: {reason}")
        if not self.comparison_running:
            if reason is None and self._compare_note:
                return  # how the last comparison ended stays in view
            self.compareLabel.setText(reason or self._idle_compare_text(limit, epochs))
            self.compareLabel.setStyleSheet("color: #a05000;" if reason else "color: #555;")

    @staticmethod
    def _idle_compare_text(limit: int, epochs: int) -> str:
        images = "all training images" if not limit else f"the first {limit:,} training images"
        return (f"The tutorial's CNN against a regular (fully connected) network: {epochs} "
                f"epoch{'s' if epochs != 1 else ''} each on {images}, same seed.")

    def rename_selected(self) -> bool:
        records = self.selected_runs()
        if len(records) != 1:
            return False
        record = records[0]
        name, accepted = QInputDialog.getText(self, "Rename run", "New name of the run:", text=record.name)
        if not accepted or not name.strip() or name.strip() == record.name:
            return False
        try:
            self.store.rename(record.id, name)
        except StudioError as error:
            self.session.report_error("Run not renamed", str(error))
            return False
        self._histories.pop(record.id, None)
        self.refresh()
        return True

    def delete_selected(self) -> bool:
        runs = self.selected_runs(include_damaged=True)
        if not runs or self.comparison_running:
            return False
        names = "\n".join(f"  \u2022 {run.name}" for run in runs[:10]) + ("\n  \u2026" if len(runs) > 10 else "")
        answer = QMessageBox.question(
            self, "Delete runs" if len(runs) > 1 else "Delete run",
            f"Delete {'these ' + str(len(runs)) + ' runs' if len(runs) > 1 else 'this run'} and "
            f"{'their' if len(runs) > 1 else 'its'} files (model, curves, logs)?\n\n{names}\n\n"
            "This cannot be undone. A model open in the window stays open.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer != QMessageBox.Yes:
            return False
        problems = []
        for run in runs:
            try:
                self.store.delete(run.id)
            except StudioError as error:
                problems.append(str(error))
        self.refresh()
        if problems:
            self.session.report_error("Run not deleted", "\n".join(problems))
        else:
            self.session.statusMessage.emit(f"Deleted {len(runs)} run{'s' if len(runs) > 1 else ''}.")
        return not problems

    def open_selected(self, where: str) -> bool:
        """Ask for the selected run's model to become the active one, shown in ``where``
        ("results" or "draw")."""
        records = self.selected_runs()
        if len(records) != 1 or records[0].model_path is None or self.session.training_active:
            return False
        self.openModelRequested.emit(str(records[0].model_path), where)
        return True

    # The comparison ------------------------------------------------------------------------------

    @property
    def comparison_settings(self):
        """A function giving the comparison's (training-image limit or 0, epochs, seed): the main
        window gives the Train tab's."""
        return self._comparison_settings_source

    @comparison_settings.setter
    def comparison_settings(self, source) -> None:
        self._comparison_settings_source = source
        self._update_buttons()

    def _comparison_settings(self) -> tuple[int, int, int]:
        try:
            limit, epochs, seed = self._comparison_settings_source()
            return max(0, int(limit)), max(1, int(epochs)), int(seed)
        except Exception:  # a settings source that is not ready yet: use the defaults
            return DEFAULT_COMPARISON

    @property
    def comparison_running(self) -> bool:
        return self.comparison is not None and self.comparison.running

    def why_not_compare(self) -> str | None:
        if self.comparison_running:
            return "A comparison is running."
        if self.session.training_active:
            return "A model is training in the Train tab."
        return self.session.missing_to_run()

    def start_comparison(self) -> bool:
        """Train the tutorial's CNN and then the regular network; False if it cannot start now."""
        if self.why_not_compare() is not None:
            return False
        limit, epochs, seed = self._comparison_settings()
        source = self.session.dataset
        dataset = source.limit_train(min(limit, len(source.y_train))) if limit else source
        comparison = Comparison(dataset, epochs, seed, self, store=self.store)
        comparison.stepStarted.connect(self._on_step_started)
        comparison.stepEnded.connect(self._on_step_ended)
        comparison.ended.connect(self._on_comparison_ended)
        self.comparison = comparison
        self.last_comparison = []
        self._compare_note = ""
        self._live = True
        self.table.clearSelection()
        self.plots.set_overlays([])
        self.plots.clear()
        self.plots.show_live_legend(True)
        self.compareProgress.setValue(0)
        self.compareProgress.show()
        self.stopCompareButton.show()
        self.stopCompareButton.setEnabled(True)
        comparison.start()
        self.session.set_training_active(True)
        self._update_buttons()
        return True

    def stop_comparison(self) -> None:
        if self.comparison_running:
            self.comparison.stop()
            self.stopCompareButton.setEnabled(False)
            self.compareLabel.setText("Stopping after the current batch\u2026")

    def abort_comparison(self, timeout_ms: int = 2000) -> bool:
        """End a running comparison without scoring or saving (the window is closing)."""
        if not self.comparison_running:
            return True
        return self.comparison.abort(timeout_ms)

    def _on_step_started(self, index: int, worker) -> None:
        inbox: deque = deque()
        self._inbox = inbox
        count = len(self.comparison.steps)
        name = self.comparison.steps[index].spec.name
        self._step_text = f"{index + 1} of {count}: training the {name}"
        self.compareLabel.setText(f"{self._step_text}\u2026")
        self.compareLabel.setStyleSheet("color: #555;")

        def collect(progress, inbox=inbox) -> None:  # runs on the worker thread
            inbox.append(progress)

        worker.trainingStarted.connect(lambda plan: self._on_plan(index, plan))
        worker.batchEnded.connect(collect, Qt.DirectConnection)
        worker.epochEnded.connect(lambda result: self._on_epoch(index, result))
        worker.evaluationStarted.connect(lambda: self.compareLabel.setText(
            f"{index + 1} of {count}: scoring the {name} on the test images\u2026"))
        earlier = [step.record for step in self.comparison.steps[:index] if step.record is not None]
        self.plots.set_overlays(self.overlays(earlier))
        self._plan = None
        self._drain_timer.start()

    def _on_plan(self, index: int, plan) -> None:
        if self.comparison is None or index != self.comparison.current_index:
            return
        self._plan = plan
        self.plots.start_run(plan.batches_per_epoch, plan.spec.training.batch_size, plan.train_samples, plan.epochs)
        self.compareLabel.setText(f"{self._step_text}, {plan.parameter_count:,} parameters, on "
                                  f"{plan.train_samples:,} images\u2026")

    def _drain(self) -> None:
        plan = self._plan
        if plan is None or self.comparison is None:
            return
        last = None
        while self._inbox:
            last = self._inbox.popleft()
            self.plots.add_batch(last)
        if last is not None:
            steps = len(self.comparison.steps)
            done = (last.epoch * plan.batches_per_epoch + last.batch + 1) / max(1, plan.batches_per_epoch * plan.epochs)
            self.compareProgress.setValue(int(1000 * (self.comparison.current_index + done) / steps))

    def _on_epoch(self, index: int, result) -> None:
        if self.comparison is None or index != self.comparison.current_index:
            return
        self._drain()
        self.plots.add_epoch(result)

    def _on_step_ended(self, index: int, step) -> None:
        self._drain()
        self.plots.flush()
        self._drain_timer.stop()
        self._plan = None

    def _on_comparison_ended(self, status: str, steps: list) -> None:
        self._drain_timer.stop()
        self._live = False
        self.last_comparison = steps
        self.compareProgress.hide()
        self.stopCompareButton.hide()
        self.session.set_training_active(False)
        self.plots.clear()
        self.plots.show_live_legend(False)
        self.refresh()
        records = [step.record for step in steps if step.record is not None]
        self.select_runs([record.id for record in records])
        errors = [step.error for step in steps if step.error]
        if status == "finished" and len(records) == len(steps):
            summary = " vs ".join(f"{step.spec.name} {step.evaluation.accuracy:.2%}" if step.evaluation else
                                  step.spec.name for step in steps)
            text = f"Compared: test accuracy {summary}. Both runs are selected below."
        elif status == "finished":
            text = "Compared, but a run could not be saved: " + " ".join(errors)
        elif status == "stopped":
            text = "Comparison stopped" + (": what was trained is kept and selected below." if records else ".")
        else:
            text = "Comparison failed: " + (" ".join(errors) or "training did not complete.")
        self._compare_note = text
        self.compareLabel.setText(text)
        self.compareLabel.setStyleSheet("color: #555;" if status == "finished" and not errors else "color: #a05000;")
        self.session.statusMessage.emit(text)
        if status == "failed" and errors:
            self.session.report_error("Comparison failed", "\n\n".join(errors))
        self.comparison.deleteLater()
        self.comparison = None
        self._update_buttons()
        self.comparisonEnded.emit(status)
