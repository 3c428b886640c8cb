"""Which files an ingest reads under the paths it is given, and the name each is known by.

A folder is walked without following symbolic links: a link inside it, to a file or a
folder, inside the folder or outside it, is named as skipped, so nothing outside the
folder is read through one and no file is read twice through one. A file reached under
two names all the same (a folder given twice, once through a link; a hard link) is read
under the first name in sorted order. Hidden files and folders are left out silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from rag.types import FileError

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
SUFFIXES = (*TEXT_SUFFIXES, ".html", ".htm", ".pdf", ".jsonl")


def source_name(path: Path) -> str:
    """The name a file is known by in the index: its path relative to the working folder,
    or its absolute path when it lies outside that folder."""
    relative = Path(os.path.relpath(path))
    return (path.resolve() if relative.parts[:1] == ("..",) else relative).as_posix()


def discover(
    paths: Iterable[Path], skipped: list[FileError] | None = None
) -> tuple[list[Path], list[FileError]]:
    """The readable files under ``paths`` (files or folders), sorted, each file once;
    missing paths are errors.

    Inside a folder symbolic links are not followed, to a file or folder outside it or
    not; files of other types are left out too; when ``skipped`` is given, both are named
    there. Hidden files and folders are left out silently. A path named itself is read
    even when it is a link. A file reached under two names is read under the first.
    """
    files: list[Path] = []
    errors: list[FileError] = []
    others: dict[str, FileError] = {}
    for path in paths:
        if path.is_dir():
            files.extend(_folder_files(path, others))
        elif path.is_file():
            files.append(path)
        else:
            errors.append(FileError(source_name(path), "no such file or folder"))
    distinct = _distinct(sorted(set(files)), others)
    if skipped is not None:
        skipped.extend(others[name] for name in sorted(others))
    return distinct, errors


def _folder_files(root: Path, others: dict[str, FileError]) -> Iterator[Path]:
    """The regular files of a type read under ``root``; links and others go in ``others``."""
    for folder, dirs, names in os.walk(root):  # links to folders are listed, not entered
        here = Path(folder)
        linked = [name for name in dirs if (here / name).is_symlink()]
        dirs[:] = [name for name in dirs if not name.startswith(".") and name not in linked]
        for name in [*names, *linked]:
            found = here / name
            if name.startswith("."):
                continue
            if found.is_symlink():
                others[source_name(found)] = _link(found, root)
            elif not found.is_file():
                others[source_name(found)] = _skipped(found, "not a regular file")
            elif found.suffix.lower() in SUFFIXES:
                yield found
            else:
                others[source_name(found)] = _skipped(found)


def _link(link: Path, root: Path) -> FileError:
    """Why a symbolic link found in the folder ``root`` is not followed."""
    target, folder = Path(os.path.realpath(link)), Path(os.path.realpath(root))
    if not target.exists():
        return _skipped(link, "symbolic link to nothing")
    kind = "folder" if target.is_dir() else "file"
    where = "inside" if target.is_relative_to(folder) else "outside"
    return _skipped(link, f"symbolic link to a {kind} {where} {source_name(root)}/")


def _distinct(files: list[Path], others: dict[str, FileError]) -> list[Path]:
    """``files`` less those that are a file kept already under another name (a folder
    named twice, once through a link; a hard link); those go in ``others``."""
    seen: dict[tuple[int, int], Path] = {}
    kept = []
    for path in files:
        try:
            info = path.stat()
        except OSError:  # gone meanwhile: reading it says so
            kept.append(path)
            continue
        first = seen.setdefault((info.st_dev, info.st_ino), path)
        if first is path:
            kept.append(path)
        else:
            others[source_name(path)] = _skipped(path, f"the same file as {source_name(first)}")
    return kept


def _skipped(path: Path, why: str | None = None) -> FileError:
    if why is None:
        why = f"unsupported file type '{path.suffix}'" if path.suffix else "no file type suffix"
    return FileError(source_name(path), f"{why} (skipped)")
