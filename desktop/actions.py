"""Every menu and toolbar action, declared once and built into the window from this list."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar

Key = QKeySequence.StandardKey
Icon = QStyle.StandardPixmap


@dataclass(frozen=True)
class ActionSpec:
    """An action: ``handler`` names a method of the main window that it calls."""

    key: str
    title: str
    menu: str
    handler: str
    shortcut: QKeySequence.StandardKey | str | None = None
    icon: QStyle.StandardPixmap | None = None
    toolbar: bool = False
    status_tip: str = ""
    separator_before: bool = False


ACTIONS = (
    ActionSpec("new_example", "New from &Example", "&File", "new_from_example",
               Key.New, Icon.SP_FileIcon, toolbar=True,
               status_tip="Start a new project from the bundled example team"),
    ActionSpec("new_template", "New from &Template", "&File", "new_from_template",
               status_tip="Start a new project from the standard pipeline template"),
    ActionSpec("open", "&Open...", "&File", "open_dialog", Key.Open, Icon.SP_DialogOpenButton,
               toolbar=True, status_tip="Open a project file (JSON)"),
    ActionSpec("import_history", "&Import History...", "&File", "import_history", "Ctrl+I",
               status_tip="Propose a project from a team's MLflow runs or a CSV/XLSX history"),
    ActionSpec("save", "&Save", "&File", "save", Key.Save, Icon.SP_DialogSaveButton,
               toolbar=True, separator_before=True, status_tip="Save the project"),
    ActionSpec("save_as", "Save &As...", "&File", "save_as", Key.SaveAs,
               status_tip="Save the project under a new name"),
    ActionSpec("export", "&Export...", "&File", "export_dialog", "Ctrl+E",
               separator_before=True, status_tip="Export the report (PDF, PowerPoint), its "
                                                 "charts (PNG, SVG) or their data (CSV, XLSX)"),
    ActionSpec("quit", "&Quit", "&File", "close", Key.Quit, separator_before=True),
    ActionSpec("undo", "&Undo", "&Edit", "undo", Key.Undo, Icon.SP_ArrowBack, toolbar=True,
               separator_before=True),
    ActionSpec("redo", "&Redo", "&Edit", "redo", Key.Redo, Icon.SP_ArrowForward, toolbar=True),
    ActionSpec("add_stage", "Add &Stage", "&Edit", "add_stage", "Ctrl+Shift+N",
               separator_before=True, status_tip="Insert a stage after the selected one"),
    ActionSpec("remove_stage", "Remove Stage", "&Edit", "remove_stage",
               status_tip="Remove the selected stage"),
    ActionSpec("run", "&Run Now", "&Simulation", "run_now", Key.Refresh, Icon.SP_MediaPlay,
               toolbar=True, separator_before=True,
               status_tip="Run the simulation now, without waiting for the pause after edits"),
    ActionSpec("cancel_run", "&Cancel Run", "&Simulation", "cancel_run", Key.Cancel,
               Icon.SP_MediaStop, toolbar=True, status_tip="Stop the current run; the shown "
                                                           "figures stay"),
    ActionSpec("propose_roadmap", "&Propose Roadmap", "&Simulation", "propose_roadmap",
               separator_before=True, status_tip="Rank the interventions and schedule the best "
                                                 "ones over the weeks as a new scenario"),
    ActionSpec("theme_system", "Follow the &System Theme", "&View", "use_system_theme"),
    ActionSpec("theme_light", "&Light Theme", "&View", "use_light_theme"),
    ActionSpec("theme_dark", "&Dark Theme", "&View", "use_dark_theme"),
    ActionSpec("show_roadmap", "&Roadmap", "&View", "show_roadmap", "Ctrl+M",
               separator_before=True, status_tip="Show the roadmap timeline"),
    ActionSpec("present", "&Presentation Mode", "&View", "present", "F5",
               status_tip="Show the plan as full-screen slides; Escape leaves"),
    ActionSpec("about", "&About", "&Help", "show_about"),
)


def build_actions(window: QMainWindow, toolbar: QToolBar) -> dict[str, QAction]:
    """Create every action of ``ACTIONS``, add it to its menu and toolbar, return them by key."""
    actions: dict[str, QAction] = {}
    menus: dict[str, QMenu] = {}
    for spec in ACTIONS:
        action = QAction(spec.title, window)
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        if spec.icon is not None:
            action.setIcon(window.style().standardIcon(spec.icon))
        if spec.status_tip:
            action.setStatusTip(spec.status_tip)
            action.setToolTip(spec.status_tip)
        action.triggered.connect(lambda _checked=False, name=spec.handler:
                                 getattr(window, name)())
        menu = menus.get(spec.menu)
        if menu is None:
            menu = menus[spec.menu] = window.menuBar().addMenu(spec.menu)
        if spec.separator_before and menu.actions():
            menu.addSeparator()
        menu.addAction(action)
        if spec.toolbar:
            if spec.separator_before and toolbar.actions():
                toolbar.addSeparator()
            toolbar.addAction(action)
        actions[spec.key] = action
    return actions
