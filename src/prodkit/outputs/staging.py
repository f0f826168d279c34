"""Publishing all or nothing (each output folder built beside the old one, then swapped in), and where a run may write.

:func:`check_destinations` runs before any work: a destination that is,
holds or lies inside ``--raw-dir`` (after resolving symbolic links), a raw
input linked into a destination, a file, a dangling link or a read-only
folder is a :class:`~prodkit.errors.UsageError` naming the option to change.

A run never writes into ``--out-dir`` or ``--reports-dir`` file by file. For
each destination folder ``D`` (say ``data/clean``), :class:`Staging`

1. **locks** ``D``: an exclusive ``flock`` on ``.prodkit-lock~clean`` beside
   ``D`` (the file holds the pid of the run). A second run into the same folder
   fails at once with a message naming that pid; the kernel drops the lock of
   a run that dies, so a lock is never stale (the file left by a killed run is
   reused and removed by the next);
2. **cleans up** after killed runs: ``.prodkit-new-*~clean`` and
   ``.prodkit-old-*~clean`` folders beside ``D`` (and ``.prodkit-*`` folders
   inside it) are removed, and a ``D`` moved aside by a run killed in the
   middle of a two-rename swap (below) is put back first;
3. **stages**: the run writes into a new folder ``.prodkit-new-<random>~clean``
   beside ``D`` (same parent, so same file system);
4. **carries over** every file and folder of the old ``D`` that the run did
   not write (hard links, or copies where linking fails), so that files a run
   does not produce (``validate`` writes only ``problems.csv``; your own notes)
   stay where they were. A folder where the run writes a file of the same
   name (or the other way round) stops the run here, before anything is
   replaced;
5. **syncs** every staged file and folder to disk (``fsync``);
6. **swaps** the new folder with ``D`` in one step: Linux's
   ``renameat2(RENAME_EXCHANGE)``. Where the system or file system lacks it,
   the swap is two renames (``D`` aside, the new folder in), so ``D`` is
   briefly missing, never mixed, and a run killed between them is undone by
   the next run (step 2). Then the old folder is removed and the parent synced.

The guarantee: a program that opens ``D/reconciled.csv`` (or any other path
under ``D``) gets a file of the complete old set or of the complete new set,
never a mix, whatever moment the run is stopped at. It holds per folder:
``--out-dir`` is swapped before ``--reports-dir``, so for a moment the tables
can be new and the report old (unless one folder holds the other, when both
are one swap). ``D`` is a new folder after each run: a shell whose working
directory is ``D`` still sees the old one until it ``cd``\\ s again.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
from pathlib import Path
from typing import Callable

from ..errors import OutputError, UsageError

#: Called with the name of each publishing step ("staged", "out:moved-aside",
#: "out:swapped", "out:published", ...). Tests set it to stop a run between
#: two renames; prodkit itself never does.
STEP_HOOK: Callable[[str], None] | None = None
#: Use renameat2(RENAME_EXCHANGE) when the system has it (tests turn it off to try the two-rename swap).
EXCHANGE = True
PREFIX = ".prodkit-"
#: The option that names each destination, for messages.
OPTIONS = {"out": "--out-dir", "reports": "--reports-dir"}


#: The files of a ledger that a run reads (and must never replace).
INPUT_FILES = ["claims.csv", "sources.csv", "adjudications.csv", "units.txt", "measures.csv", "plausibility.csv",
               "prodkit.toml"]


def _fix(option: str) -> str:
    """How to name the option to change, for the command line and for the library.

    >>> _fix("--out-dir"), _fix("out_dir")
    ('Change --out-dir (out_dir=)', 'Change out_dir=')
    """
    if not option.startswith("--"):
        return f"Change {option}="  # a library call (prodkit.write): the argument, not a flag
    return f"Change {option} ({option.lstrip('-').replace('-', '_')}=)"


def resolved(path: Path) -> Path:
    """``path`` made absolute with every symbolic link resolved (also when it does not exist yet)."""
    return Path(os.path.abspath(path)).resolve()


def check_destinations(destinations: dict[str, Path], raw_dir: Path | None = None, *,
                       raw_option: str = "--raw-dir") -> None:
    """Refuse any destination that is unusable, or is, holds or lies inside ``raw_dir``.

    ``destinations``: option name (``--out-dir``) -> folder. Also refused: a
    raw input file that is a link into a destination (the run would replace it).

    >>> check_destinations({"--out-dir": Path("data/raw/clean")}, Path("data/raw"))
    Traceback (most recent call last):
    ...
    prodkit.errors.UsageError: --out-dir data/raw/clean lies inside --raw-dir data/raw: the run would write into the raw ledger.
      Fix: Change --out-dir (out_dir=) to a folder outside data/raw (e.g. data/clean).
    """
    for option, path in destinations.items():
        check_destination(path, option)
    if raw_dir is None:
        return
    raw = resolved(raw_dir)
    for option, path in destinations.items():
        out = resolved(path)
        relation = ("is" if out == raw else "holds" if out in raw.parents else
                    "lies inside" if raw in out.parents else None)
        if relation:
            raise UsageError(f"{option} {path} {relation} {raw_option} {raw_dir}: the run would write into the raw "
                             "ledger.", hint=f"{_fix(option)} to a folder outside {raw_dir} (e.g. data/clean).")
        for name in INPUT_FILES:
            source = Path(raw_dir) / name
            real = resolved(source)
            if source.is_symlink() and (real == out or out in real.parents):
                raise UsageError(f"{source} is a link to {real}, which the run would replace ({option} {path}).",
                                 hint=f"{_fix(option)}, or make {source} a file of its own.")


def check_destination(path: Path, option: str = "--out-dir") -> None:
    """Refuse a destination that is a file, a dangling link, or a read-only folder (or in one)."""
    path = Path(path)
    fix = _fix(option)
    if path.is_symlink() and not path.exists():
        raise UsageError(f"{option} {path} is a symbolic link to {os.readlink(path)}, which does not exist.",
                         hint=f"{fix} to a folder, or create the folder the link points to.")
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder.", hint=f"{fix} to a folder.")
    if path.is_dir() and not _writable(path):
        raise UsageError(f"{option} {path} is read-only.",
                         hint=f"{fix} to a folder you may write to, or make it writable (chmod u+w).")
    parent = resolved(path).parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: {parent} is a file, not a folder.", hint=f"{fix} to a folder.")
    if not _writable(parent):
        raise UsageError(f"{option} {path}: prodkit publishes by swapping in a new folder beside it, and "
                         f"{parent} is read-only.", hint=f"{fix} to a folder whose parent you may write to.")


def _writable(folder: Path) -> bool:
    # the mode bits too: root may write anywhere, but a folder marked read-only is meant to stay as it is
    return os.access(folder, os.W_OK) and bool(folder.stat().st_mode & 0o222)


def _step(name: str) -> None:
    if STEP_HOOK is not None:
        STEP_HOOK(name)


class Staging:
    """Collect files for several destination folders and publish each folder in one swap.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with Staging({"out": out}) as st:
    ...     _ = (st.path("out") / "a.csv").write_text("x\\n")
    ...     print(st.final_path("out") == out, st.path("out").parent == out.parent)
    ...     st.commit()
    True True
    >>> (out / "a.csv").read_text()
    'x\\n'
    """

    def __init__(self, targets: dict[str, Path]):
        self.targets = {k: Path(v) for k, v in targets.items()}
        self._real = {k: resolved(v) for k, v in self.targets.items()}
        # a folder inside another destination is staged inside that one's new folder: one swap for both
        self._root = {k: next((r for r in sorted(set(self._real.values()), key=lambda p: len(p.parts))
                               if r == p or r in p.parents), p) for k, p in self._real.items()}
        self._new: dict[Path, Path] = {}  # root -> its new folder, until swapped in
        self._staged: dict[Path, Path] = {}  # root -> its new folder, kept for path() after commit
        self._locks: list[_Lock] = []
        self._done = False

    def __enter__(self) -> "Staging":
        try:
            for key in self.targets:
                check_destination(self.targets[key], OPTIONS.get(key, "--out-dir"))
            for root in sorted(set(self._root.values())):
                root.parent.mkdir(parents=True, exist_ok=True)
                self._locks.append(_Lock(root))
                _clean_up(root)
                self._new[root] = root.parent / f"{PREFIX}new-{secrets.token_hex(4)}~{root.name}"
                self._new[root].mkdir()
                self._staged[root] = self._new[root]
            for key in self._real:
                self.path(key).mkdir(parents=True, exist_ok=True)
        except BaseException as exc:
            self.__exit__(type(exc), exc, None)
            raise
        return self

    def path(self, key: str) -> Path:
        """The temporary folder where the files for ``key`` are written."""
        root = self._root[key]
        return self._staged[root] / self._real[key].relative_to(root)

    def final_path(self, key: str) -> Path:
        """The folder the files staged for ``key`` land in at :meth:`commit`."""
        return self.targets[key]

    def commit(self) -> None:
        """Carry over what the run did not write, sync, and swap each new folder in (see the module)."""
        for root, new in self._new.items():
            if root.is_dir():
                _carry_over(root, new)
            _sync_tree(new)
        _step("staged")
        for key in self.targets:
            root = self._root[key]
            if root in self._new and root == self._real[key]:
                _swap(self._new[root], root, key)
                del self._new[root]

    def __exit__(self, exc_type, exc, tb) -> None:
        for new in self._new.values():
            shutil.rmtree(new, ignore_errors=True)
        self._new.clear()
        for lock in reversed(self._locks):
            lock.release()
        self._locks.clear()
        if isinstance(exc, OSError):
            raise output_error(exc) from exc


def output_error(exc: OSError, doing: str = "write the outputs") -> OutputError:
    """A clear message for an OSError met while writing or publishing (disk full, permission, read-only)."""
    text = str(exc)
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC or "os error 28" in text or "No space left" in text:
        return OutputError(f"disk full: cannot {doing}{where}.",
                           hint="Free some space on that disk (or choose --out-dir elsewhere) and run again; "
                                "the earlier outputs are untouched.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"cannot {doing}{where}: {exc.strerror}.",
                           hint="Choose --out-dir / --reports-dir where you may write; the earlier outputs "
                                "are untouched.")
    return OutputError(f"cannot {doing}{where}: {exc.strerror or text}.",
                       hint="The earlier outputs are untouched; fix the cause and run again.")


class _Lock:
    """An exclusive flock on ``.prodkit-lock~NAME`` beside the folder NAME, holding the pid of the run."""

    def __init__(self, folder: Path):
        import fcntl

        self.path = folder.parent / f"{PREFIX}lock~{folder.name}"
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise UsageError(f"another prodkit run (pid {holder}) is writing to {folder}.",
                                 hint="Wait for it to finish, or write to another --out-dir / --reports-dir.")
            try:  # the file may have been removed by the run that held it: then lock the new one
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self.fd = fd

    def release(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self.fd)


def _leftovers(folder: Path, kind: str) -> list[Path]:
    """Folders a killed run left beside ``folder``: ``.prodkit-<kind>-<hex>~<name>``."""
    if not folder.parent.is_dir():
        return []
    return sorted(p for p in folder.parent.iterdir()
                  if p.name.startswith(f"{PREFIX}{kind}-") and p.name.split("~", 1)[-1] == folder.name)


def _clean_up(folder: Path) -> None:
    """Undo or remove what killed runs left (the caller holds the lock)."""
    old = _leftovers(folder, "old")
    if old and not folder.exists():  # killed between the two renames of a swap: the old set comes back
        os.rename(old[-1], folder)
        old = old[:-1]
    for leftover in old + _leftovers(folder, "new"):
        shutil.rmtree(leftover, ignore_errors=True)
    if folder.is_dir():
        for inside in folder.glob(f"{PREFIX}*"):  # staging folders of earlier prodkit versions
            if inside.is_dir() and not inside.is_symlink():
                shutil.rmtree(inside, ignore_errors=True)


def _kind(path: Path) -> str:
    mode = os.lstat(path).st_mode
    return "folder" if stat.S_ISDIR(mode) else "file"


def _carry_over(old: Path, new: Path) -> None:
    """Link (or copy) into ``new`` whatever ``old`` holds that ``new`` does not; refuse a file/folder clash."""
    for entry in sorted(old.iterdir()):
        if entry.name.startswith(PREFIX):
            continue
        dest = new / entry.name
        if os.path.lexists(dest):
            was, now = _kind(entry), _kind(dest)
            if was != now:
                raise OutputError(f"{entry} is a {was}, where this run writes a {now} of the same name; "
                                  "nothing was replaced.",
                                  hint=f"Move or rename {entry}, then run again.")
            if was == "folder":
                _carry_over(entry, dest)
            continue
        if entry.is_symlink():
            os.symlink(os.readlink(entry), dest)
        elif entry.is_dir():
            shutil.copytree(entry, dest, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, dest)


def _link_or_copy(src, dest) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if not os.path.islink(os.path.join(folder, name)):
                _sync(Path(folder) / name)
        _sync(Path(folder))


def _swap(new: Path, target: Path, key: str) -> None:
    """Put ``new`` where ``target`` is, in one step where the system allows (see the module)."""
    if not os.path.lexists(target):
        os.rename(new, target)
    elif EXCHANGE and _exchange(new, target):
        _step(f"{key}:swapped")
        shutil.rmtree(new, ignore_errors=True)  # now the old set
    else:
        old = target.parent / f"{PREFIX}old-{secrets.token_hex(4)}~{target.name}"
        os.rename(target, old)
        _step(f"{key}:moved-aside")
        try:
            os.rename(new, target)
        except BaseException:
            os.rename(old, target)
            raise
        _step(f"{key}:swapped")
        shutil.rmtree(old, ignore_errors=True)
    _sync(target.parent)
    _step(f"{key}:published")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where the system cannot."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
