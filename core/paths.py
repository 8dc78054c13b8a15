"""Where the program keeps the user's own files: the platform's user data folder.

``app_data_folder()`` is ``<user data folder>/mnist-cnn-studio``: ``$XDG_DATA_HOME`` (default
``~/.local/share``) on Linux, ``~/Library/Application Support`` on macOS, ``%APPDATA%`` on
Windows. The user's digit collection (:mod:`core.my_digits`) and the saved training runs
(:mod:`core.runs`) live there unless an environment variable points elsewhere. Nothing here
creates a folder; the code that writes does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_FOLDER = "mnist-cnn-studio"


def user_data_folder() -> Path:
    """The platform's folder for a user's application data (not the app's own subfolder)."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or os.environ.get("LOCALAPPDATA")
        return Path(base) if base else Path.home() / "AppData" / "Roaming"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    # The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"


def app_data_folder() -> Path:
    """This program's folder inside the user data folder."""
    return user_data_folder() / APP_FOLDER


def env_path(variable: str) -> Path | None:
    """The path an environment variable names (``~`` expanded), or None if unset or blank."""
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser() if value else None
