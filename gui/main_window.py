"""The main window: five tabs over one Session, the menus, the status bar and the settings.

It wires the parts together and owns what is window-wide: loading data and models in the
background, saving, dropping model files onto the window, and closing safely.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QLabel, QMainWindow, QMessageBox, QWidget)

from core.model_io import MODEL_SUFFIXES, SHIPPED_MODEL
from gui.session import Session
from gui.tasks import run_task
from gui.widgets.steady_tabs import SteadyTabWidget

APP_NAME = "MNIST CNN Studio"
MODEL_FILTER = "Keras models (*.h5 *.keras);;HDF5 model (*.h5);;Keras v3 model (*.keras)"
DATA_FILTER = "MNIST data (*.npz);;All files (*)"
START_DELAY_MS = 50


class MainWindow(QMainWindow):
    def __init__(self, data_path: str | None = None, model_path: str | None = None,
                 load_defaults: bool = True, parent: QWidget | None = None):
        """The whole window. With ``load_defaults`` it loads the default data and model in the
        background as soon as it is shown (tests pass False and load what they need)."""
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.session = Session(self)
        self._settings = QSettings()
        self._pending_model = model_path if model_path else (str(SHIPPED_MODEL) if load_defaults else None)
        self._closing_confirmed = False
        self._training_summary = ""  # "37% trained" while the Train tab trains, for the title

        self._build_tabs()
        self._build_menus()
        self._build_status_bar()
        self._connect_session()
        self._restore_settings()
        # Background work starts once the event loop runs, after the first paint: importing
        # TensorFlow holds the interpreter lock for much of its 3 s and would delay the window.
        QTimer.singleShot(START_DELAY_MS, self, lambda: self._start_background_work(data_path, load_defaults))

    def _start_background_work(self, data_path: str | None, load_defaults: bool) -> None:
        from core.runtime import import_tensorflow

        run_task(import_tensorflow, lambda _version: self._on_tensorflow_ready(),
                 lambda message: self._show_error(
                     "TensorFlow could not start",
                     f"{message}\n\nTraining, evaluating and reading digits need TensorFlow. Check that it is "
                     "installed (pip install -e . in the program's folder), then start the program again."),
                 context=self)
        if load_defaults or data_path:
            self.load_dataset(data_path)

    # Construction ------------------------------------------------------------------------

    def _build_tabs(self) -> None:
        from gui.data_tab import DataTab
        from gui.draw_tab import DrawTab
        from gui.results_tab import ResultsTab
        from gui.runs_tab import RunsTab
        from gui.train_tab import TrainTab

        self.tabs = SteadyTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.data_tab = DataTab(self.session)
        self.train_tab = TrainTab(self.session)
        self.results_tab = ResultsTab(self.session)
        self.runs_tab = RunsTab(self.session)
        self.draw_tab = DrawTab(self.session)
        self.tabs.addTab(self.data_tab, "Data")
        self.tabs.addTab(self.train_tab, "Train")
        self.tabs.addTab(self.results_tab, "Results")
        self.tabs.addTab(self.runs_tab, "Runs")
        self.tabs.addTab(self.draw_tab, "Draw")
        self.setCentralWidget(self.tabs)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_data_action = self._action(file_menu, "Open &dataset...", self.choose_dataset, QKeySequence("Ctrl+D"))
        self.open_model_action = self._action(file_menu, "&Open model...", self.choose_model, QKeySequence.Open)
        file_menu.addSeparator()
        self.save_action = self._action(file_menu, "&Save model", self.save_model, QKeySequence.Save)
        self.save_as_action = self._action(file_menu, "Save model &as...", self.save_model_as, QKeySequence.SaveAs)
        self.export_action = self._action(file_menu, "&Export plots...", self.export_plots, QKeySequence("Ctrl+E"))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.Quit)

        from gui.explanations import Explanations

        self.explanations = Explanations(self)  # the "What is this?" panel, the tour, the tooltips
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&How it works", self.show_how_it_works, QKeySequence.HelpContents)
        help_menu.addAction(self.explanations.panel_action)
        self._action(help_menu, "Guided &tour", self.explanations.start_tour)
        self._action(help_menu, "&About", self.show_about)
        self._update_actions()

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        self.data_status = QLabel("Data: loading...")
        self.model_status = QLabel("Model: none")
        self.tf_status = QLabel("TensorFlow: starting...")
        for label in (self.data_status, self.model_status, self.tf_status):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)
        self.statusBar().addPermanentWidget(self.explanations.status_button)

    def _connect_session(self) -> None:
        s = self.session
        s.datasetChanged.connect(self._on_dataset_changed)
        s.modelChanged.connect(self._on_model_changed)
        self.train_tab.progress.summaryChanged.connect(self._on_training_summary)
        s.trainingActiveChanged.connect(lambda _active: self._update_actions())
        s.showImagesRequested.connect(lambda *_: self.tabs.setCurrentWidget(self.data_tab))
        s.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        s.errorOccurred.connect(self._show_error)
        self.draw_tab.myDigitsChanged.connect(self._show_my_digits)
        self.runs_tab.comparison_settings = self._comparison_settings
        self.runs_tab.openModelRequested.connect(self._open_run_model)
        self.runs_tab.overlaysChanged.connect(self.train_tab.plots.set_overlays)
        self.train_tab.runSaved.connect(self.runs_tab.add_run)
        self.train_tab.compareRequested.connect(self.compare_cnn_vs_regular)
        QTimer.singleShot(0, self, lambda: self._show_my_digits(str(self.draw_tab.my_digits_path)))

    # Settings ------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        geometry = self._settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        self.tabs.setCurrentIndex(int(self._settings.value("window/tab", 0)))

    def _save_settings(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/tab", self.tabs.currentIndex())

    def _last_folder(self, key: str) -> str:
        return str(self._settings.value(f"folders/{key}", str(Path.home())))

    def _remember_folder(self, key: str, path: str | Path) -> None:
        self._settings.setValue(f"folders/{key}", str(Path(path).parent))

    # Data --------------------------------------------------------------------------------

    def choose_dataset(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open MNIST data set", self._last_folder("data"), DATA_FILTER)
        if path:
            self._remember_folder("data", path)
            self.load_dataset(path)

    def load_dataset(self, path: str | None = None) -> None:
        """Load MNIST in the background: ``path``, or core's default order (env var, Keras)."""
        from core.data import default_source_description, load_dataset

        self.data_status.setText(f"Data: loading {default_source_description(path)}...")
        run_task(lambda: load_dataset(path), self.session.set_dataset, self._on_dataset_failed, context=self)

    def _on_dataset_failed(self, message: str) -> None:
        from gui.data_tab import NO_DATA_TEXT

        self.data_status.setText("Data: none loaded (File > Open dataset...)")
        if self.session.dataset is None:
            self.data_tab.set_empty_message(NO_DATA_TEXT)
        self._show_error("No data set loaded",
                         f"{message}\n\nUse File > Open dataset... to choose a Keras-style mnist.npz file.")

    def _on_dataset_changed(self, dataset) -> None:
        if dataset is None:
            self.data_status.setText("Data: none")
            return
        sizes = dataset.sizes
        self.data_status.setText(f"Data: {sizes['train']:,} train / {sizes['test']:,} test images")
        self.data_status.setToolTip(dataset.source)
        self.statusBar().showMessage(f"Loaded MNIST from {dataset.source}", 8000)

    def _show_my_digits(self, path: str) -> None:
        """Offer the user's own labelled drawings as a split in the Data tab."""
        from core import my_digits
        from core.errors import StudioError

        try:
            images, labels = my_digits.load(path)
        except StudioError as error:
            self.statusBar().showMessage(str(error), 10000)
            return
        if len(images):
            self.data_tab.set_extra_split("mine", "My digits", images, labels)
        else:
            self.data_tab.remove_extra_split("mine")

    # Models ------------------------------------------------------------------------------

    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open model", self._last_folder("model"), MODEL_FILTER)
        if path:
            self._remember_folder("model", path)
            self.open_model(path)

    def open_model(self, path: str | Path) -> None:
        """Load a model file in the background; on failure the active model stays."""
        if not self.session.tensorflow_ready:
            self._pending_model = str(path)  # opened once TensorFlow is ready
            return
        self.session.open_model(path)

    def _open_run_model(self, path: str, where: str) -> None:
        """Make a saved run's model active and show the Results tab (which scores a model it shows
        unscored) or the Draw tab."""
        self.open_model(path)
        self.tabs.setCurrentWidget(self.results_tab if where == "results" else self.draw_tab)

    def compare_cnn_vs_regular(self) -> None:
        """Train the tutorial's CNN and a regular network one after the other, shown in the Runs tab."""
        self.tabs.setCurrentWidget(self.runs_tab)
        self.runs_tab.start_comparison()

    def _comparison_settings(self) -> tuple[int, int, int]:
        """The Train tab's training-image limit, epochs and seed, which the comparison uses."""
        training = self.train_tab.current_spec().training
        return self.train_tab.trainLimitSpinBox.value(), training.epochs, training.seed

    def _on_model_changed(self, loaded) -> None:
        if loaded is None:
            self.model_status.setText("Model: none")
        else:
            marker = " (unsaved)" if self.session.model_unsaved else ""
            self.model_status.setText(f"Model: {loaded.name}{marker}")
            self.model_status.setToolTip(loaded.describe())
        self._update_actions()
        self._update_title()

    def _on_training_summary(self, summary: str) -> None:
        self._training_summary = summary
        self._update_title()

    def _update_title(self) -> None:
        """"37% trained · tutorial_cnn* — MNIST CNN Studio": how far training is (seen in the task
        bar while the window is minimised), the active model, and * while it is not saved."""
        model = self.session.model
        title = f"{model.name}[*] \u2014 {APP_NAME}" if model is not None else APP_NAME
        if self._training_summary:
            title = f"{self._training_summary} \u00b7 {title}"
        self.setWindowTitle(title)
        self.setWindowModified(model is not None and self.session.model_unsaved)

    def save_model(self) -> None:
        path = self.session.model_path
        if path is None or self.session.model is None or path.resolve() == SHIPPED_MODEL.resolve():
            self.save_model_as()
        else:
            self._save_to(path)

    def save_model_as(self, wait: bool = False) -> None:
        if self.session.model is None:
            return
        start = str(Path(self._last_folder("save")) / f"{self.session.model.name or 'mnist_cnn'}.h5")
        path, chosen_filter = QFileDialog.getSaveFileName(self, "Save model as", start, MODEL_FILTER)
        if not path:
            return
        if Path(path).suffix.lower() not in MODEL_SUFFIXES:
            path += ".keras" if "keras v3" in chosen_filter.lower() else ".h5"
        self._remember_folder("save", path)
        self._save_to(Path(path), wait)

    def _save_to(self, path: Path, wait: bool = False) -> None:
        """Save the active model through core's atomic save: in the background, or at once when
        ``wait`` (on closing, where the answer is needed before the window goes)."""
        from core.errors import StudioError
        from core.model_io import save_model

        model = self.session.model.model
        on_error = lambda message: self._show_error("Model not saved", message)  # noqa: E731
        if wait:
            try:
                self._on_saved(save_model(model, path))
            except StudioError as error:
                on_error(str(error))
            return
        self.statusBar().showMessage(f"Saving {path.name}...")
        run_task(lambda: save_model(model, path), self._on_saved, on_error, context=self)

    def _on_saved(self, path: Path) -> None:
        self.session.mark_saved(path)
        self.statusBar().showMessage(f"Saved the model to {path}", 8000)

    def _on_tensorflow_ready(self) -> None:
        import tensorflow as tf

        self.tf_status.setText(f"TensorFlow {tf.__version__}")
        self.session.set_tensorflow_ready()
        path, self._pending_model = self._pending_model, None
        # A model the user named is always tried (a missing file gets its message); the shipped
        # one only if it is there.
        if path and (Path(path).exists() or Path(path) != SHIPPED_MODEL):
            self.open_model(path)

    def _update_actions(self) -> None:
        has_model = self.session.model is not None
        self.save_action.setEnabled(has_model and not self.session.training_active)
        self.save_as_action.setEnabled(has_model and not self.session.training_active)

    # Plots -------------------------------------------------------------------------------

    def export_plots(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export plots to folder", self._last_folder("export"))
        if not folder:
            return
        self._settings.setValue("folders/export", folder)
        try:
            written = self.train_tab.export_plots(Path(folder))
        except OSError as error:
            self._show_error("Plots not exported", f"Could not write to '{folder}': {error.strerror or error}")
            return
        self.statusBar().showMessage(f"Exported {len(written)} file(s) to {folder}", 8000)

    # Drag and drop of model files -----------------------------------------------------------

    def _dropped_model(self, event) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        for url in urls:
            local = url.toLocalFile()
            if local and Path(local).suffix.lower() in MODEL_SUFFIXES:
                return local
        return None

    def dragEnterEvent(self, event) -> None:
        if self._dropped_model(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = self._dropped_model(event)
        if path:
            event.acceptProposedAction()
            self.open_model(path)

    # Help --------------------------------------------------------------------------------

    def show_how_it_works(self) -> None:
        from gui.help_text import HOW_IT_WORKS

        box = QMessageBox(self)
        box.setWindowTitle("How it works")
        box.setTextFormat(Qt.RichText)
        box.setText(HOW_IT_WORKS)
        box.exec()

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<b>{APP_NAME}</b><br>The classic Keras CNN on MNIST, as a desktop tool:<br>"
                          "browse the data, train live, evaluate, save .h5, and draw digits.")

    # Errors and closing -------------------------------------------------------------------

    def _show_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(f"{title}: {message.splitlines()[0]}", 10000)
        QMessageBox.warning(self, title, message)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing_confirmed and not self._confirm_close():
            event.ignore()
            return
        self.train_tab.abort_training(timeout_ms=2000)
        self.runs_tab.abort_comparison(timeout_ms=2000)
        self._save_settings()
        event.accept()

    def _confirm_close(self) -> bool:
        if self.session.training_active:
            answer = QMessageBox.question(self, "Training in progress",
                                          "A model is training. Stop it and quit? The model trained so far "
                                          "will be lost.", QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            return answer == QMessageBox.Yes
        if self.session.model_unsaved:
            answer = QMessageBox.question(self, "Unsaved model",
                                          "The model trained in this session has not been saved. Save it first?",
                                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
                                          QMessageBox.Save)
            if answer == QMessageBox.Cancel:
                return False
            if answer == QMessageBox.Save:
                self.save_model_as(wait=True)
                return not self.session.model_unsaved
        return True
