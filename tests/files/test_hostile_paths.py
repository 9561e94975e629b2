"""Hostile paths: planted lock files, special files as outputs, full disks, wrong suffixes.

Every file tnrank writes goes through :mod:`tnrank.safe_files`: it never follows a planted
link or writes into a file it did not ask for, never replaces a device, FIFO or socket, and a
failed write is one line with nothing left behind. Links, FIFOs and device nodes are made
inside the test's folder (see ``tests/hostile.py``).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time

import pytest
from hostile import deadline, device_node, fifo, kind, refused

import tnrank
import tnrank.cli.sweep
import tnrank.safe_files as safe_files
from tnrank import Architecture
from tnrank.cli import main
from tnrank.errors import TnrankError
from tnrank.experiments.results import load_experiment_results, save_experiment_results
from tnrank.safe_files import atomic_write, check_output_path, exclusive

VERIFY = ["verify", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "-q"]
SECRET = "do not touch\n"


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "victim.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def part(tmp_path_factory):
    """A small sweep results file."""
    path = tmp_path_factory.mktemp("part") / "part.json"
    assert main(["sweep", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "-q",
                            "--json-file", str(path)]) == 0
    return path


# ----------------------------------------------------------------- planted lock files
def test_a_planted_link_at_the_lock_truncates_nothing(tmp_path, victim, capsys):
    (tmp_path / "x.json.lock").symlink_to(victim)
    refused(capsys, *VERIFY, "--json-file", tmp_path / "x.json", fragment="symbolic link")
    assert victim.read_text() == SECRET
    assert kind(tmp_path / "x.json") == "missing"


def test_a_planted_dangling_link_at_the_lock_creates_nothing(tmp_path, capsys):
    (tmp_path / "x.json.lock").symlink_to(tmp_path / "created-elsewhere")
    refused(capsys, *VERIFY, "--json-file", tmp_path / "x.json", fragment="symbolic link")
    assert kind(tmp_path / "created-elsewhere") == "missing"


def test_a_hard_link_at_the_lock_is_not_written(tmp_path, victim, capsys):
    os.link(victim, tmp_path / "x.json.lock")
    refused(capsys, *VERIFY, "--json-file", tmp_path / "x.json", fragment="hard link")
    assert victim.read_text() == SECRET


def test_a_fifo_at_the_lock_is_refused_without_blocking(tmp_path, capsys):
    fifo(tmp_path / "x.json.lock")
    refused(capsys, *VERIFY, "--json-file", tmp_path / "x.json", fragment="not a regular file",
            seconds=20)
    assert kind(tmp_path / "x.json.lock") == "fifo"


def test_a_lock_that_cannot_be_written_is_not_left_behind(tmp_path, monkeypatch):
    def full(_fd, _length):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(safe_files.os, "ftruncate", full)
    with pytest.raises(TnrankError, match="cannot write the lock file .*No space left"):
        with exclusive(tmp_path / "r.json"):
            pass
    assert os.listdir(tmp_path) == []


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    (tmp_path / "r.json.lock").write_text("999999999")  # no process holds it
    with exclusive(tmp_path / "r.json"):
        assert (tmp_path / "r.json.lock").read_text() == str(os.getpid())
    assert kind(tmp_path / "r.json.lock") == "missing"


# ----------------------------------------------------------------- the experiment results writer
def test_the_experiment_writer_follows_no_planted_temporary_link(tmp_path, victim, monkeypatch):
    (tmp_path / "r.json.tmp").symlink_to(victim)
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(safe_files.os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    data = {"format": "tnrank-experiment/1", "runs": []}
    save_experiment_results(tmp_path / "r.json", data)
    assert victim.read_text() == SECRET
    assert json.loads((tmp_path / "r.json").read_text())["runs"] == []
    assert synced, "the results file is flushed to disk before the rename"


@pytest.mark.parametrize("make", [fifo, lambda p: os.symlink(os.devnull, p) or str(p)],
                         ids=["fifo", "link-to-device"])
def test_the_experiment_reader_refuses_special_files_without_blocking(tmp_path, make):
    path = make(tmp_path / "r.json")
    with deadline(20), pytest.raises(TnrankError, match="not a regular file"):
        load_experiment_results(path)


# ----------------------------------------------------------------- special files as outputs
@pytest.mark.parametrize("make", [fifo, device_node], ids=["fifo", "device"])
def test_merge_never_replaces_a_special_file(tmp_path, part, capsys, make):
    out = make(tmp_path / "out.json")
    refused(capsys, "merge", part, "-o", out, fragment="not a regular file", seconds=20)
    assert kind(out) in ("fifo", "device")


@pytest.mark.parametrize("make", [fifo, device_node], ids=["fifo", "device"])
def test_save_never_replaces_a_special_file(tmp_path, make):
    out = make(tmp_path / "full.toml")
    before = kind(out)
    with deadline(20), pytest.raises(TnrankError, match="not a regular file"):
        tnrank.save(Architecture.rac(1, 2, 2), out)
    assert kind(out) == before


def test_a_link_at_the_output_is_replaced_never_written_through(tmp_path, victim):
    out = tmp_path / "arch.toml"
    out.symlink_to(victim)
    tnrank.save(Architecture.rac(1, 2, 2), out)
    assert kind(out) == "file" and victim.read_text() == SECRET
    assert tnrank.load(out) == Architecture.rac(1, 2, 2)


def test_check_output_path_refuses_a_link_to_a_device(tmp_path):
    (tmp_path / "x.svg").symlink_to(os.devnull)
    with pytest.raises(TnrankError, match="not a regular file"):
        check_output_path(tmp_path / "x.svg", "the figure")


@pytest.mark.parametrize("name", ["x.svg", "table.csv", "results"])
def test_merge_writes_json_only_under_a_json_name(tmp_path, part, capsys, name):
    out = tmp_path / name
    out.write_text("kept\n")
    refused(capsys, "merge", part, "-o", out, fragment="end the name with .json")
    assert out.read_text() == "kept\n"


@pytest.mark.parametrize("name", ["rep.toml", "rep.csv"])
def test_save_refuses_a_report_under_another_suffix(tmp_path, name):
    report = tnrank.certify(Architecture.rac(1, 2, 2), 2)
    with pytest.raises(TnrankError, match=r"a report is written as JSON; name the file \*\.json"):
        tnrank.save(report, tmp_path / name)
    assert os.listdir(tmp_path) == []
    tnrank.save(report, tmp_path / "rep.json")
    assert tnrank.load(tmp_path / "rep.json").separation.rank == 2


# ----------------------------------------------------------------- full disks, odd folders
def _disk_full(monkeypatch):
    """Every flush to disk fails as on a full disk (after the bytes were handed over)."""
    def fsync(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(safe_files.os, "fsync", fsync)


@pytest.mark.parametrize("argv, output", [
    (["sweep", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "4", "-q", "-o"], "fig.svg"),
    (["sweep", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "4", "-q", "--csv"], "t.csv"),
    (["sweep", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "4", "-q", "--json-file"], "r.json"),
    (["verify", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "-q", "--json-file"], "r.json"),
    (["draw", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "-o"], "net.png"),
    (["analyze", "graphs/shallow_rac.toml", "-T", "2", "-q", "-o"], "net.pdf"),
], ids=["sweep-o", "sweep-csv", "sweep-json-file", "verify-json-file", "draw-o", "analyze-o"])
def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys, argv, output):
    root = os.getcwd()
    argv = [os.path.join(root, a) if a.startswith("graphs/") else a for a in argv]
    monkeypatch.chdir(tmp_path)
    _disk_full(monkeypatch)
    refused(capsys, *argv, output, fragment="No space left on device")
    assert os.listdir(tmp_path) == []  # no partial file, no temporary file, no lock


def test_a_folder_that_holds_no_file_is_refused_before_computing(tmp_path, monkeypatch, capsys):
    def read_only(*_args, **_kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    def no_work(*_args, **_kwargs):
        raise AssertionError("the sweep started before the output path was checked")

    monkeypatch.setattr(safe_files.tempfile, "mkstemp", read_only)
    monkeypatch.setattr(tnrank.cli.sweep, "sweep", no_work)
    refused(capsys, "sweep", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "-o", tmp_path / "x.svg",
            fragment="no file can be created in folder")


def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    path.write_text("old\n")
    _disk_full(monkeypatch)
    with pytest.raises(TnrankError, match="r.json: cannot be written"):
        atomic_write(path, "new\n")
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["r.json"]


def _ended_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_killed_writers_temporary_is_removed_by_the_next_write(tmp_path, victim):
    path = tmp_path / "r.json"
    prefix = safe_files._temporary_prefix(path)
    dead, alive = _ended_pid(), os.getppid()
    stale = tmp_path / f"{prefix}{dead}-abcd1234.tmp.json"
    stale.write_text('{"partial": ')
    running = tmp_path / f"{prefix}{alive}-abcd1234.tmp.json"  # a writer still at work
    running.write_text("{")
    elsewhere = tmp_path / f".r.json.tnrank-00000000-{dead}-abcd1234.tmp.json"  # another host
    elsewhere.write_text("{")
    planted = tmp_path / f"{prefix}{dead}-link1234.tmp.json"  # only regular files go
    planted.symlink_to(victim)
    other = tmp_path / f"{safe_files._temporary_prefix(tmp_path / 's.json')}{dead}-x.tmp.json"
    other.write_text("{")  # another destination's temporary
    atomic_write(path, "{}\n")
    assert path.read_text() == "{}\n"
    assert not stale.exists()
    assert running.exists() and elsewhere.exists() and other.exists()
    assert planted.is_symlink() and victim.read_text() == SECRET
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp.json")) == sorted(
        [running.name, elsewhere.name, planted.name, other.name])


def test_process_running_says_no_for_ended_and_zombie_processes():
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])  # not reaped until wait()
    with deadline(30):  # until it has ended
        while safe_files.process_running(zombie.pid):
            time.sleep(0.05)
    assert not safe_files.process_running(zombie.pid)
    assert zombie.poll() == 0  # it had ended: now reaped
    assert not safe_files.process_running(_ended_pid())
    assert safe_files.process_running(os.getpid()) and safe_files.process_running(os.getppid())
