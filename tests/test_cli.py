import subprocess
import sys

import pytest
from conftest import SAMPLES, edit_csv

from dpia import cli


def test_screen_prints_verdict_and_risk_summary(capsys):
    assert cli.main(["screen", str(SAMPLES / "best2care"), str(SAMPLES / "harmony-community-care")]) == 0
    out = capsys.readouterr().out
    assert "BEST2CARE" in out and "screening: DPIA required" in out and "highest residual" in out
    harmony = out[out.index("Harmony"):]
    assert "screening: DPIA required" in harmony and "high before measures (R2)" in harmony


def test_screen_with_cnil_method(capsys):
    assert cli.main(["screen", "--method", "cnil", str(SAMPLES / "best2care")]) == 0
    assert "risks (cnil)" in capsys.readouterr().out


def test_screen_refuses_an_invalid_audit(sample_copy, capsys):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", "F1,A4,", "F1,A42,")
    assert cli.main(["screen", str(folder)]) == 1
    assert "run `dpia validate" in capsys.readouterr().out


def test_vocab_lists_vocabularies_and_codes(capsys):
    assert cli.main(["vocab"]) == 0
    assert "schedule1" in capsys.readouterr().out
    assert cli.main(["vocab", "art9"]) == 0
    assert "9(2)(h)" in capsys.readouterr().out


def test_unknown_vocabulary_is_a_message_not_a_traceback(capsys):
    assert cli.main(["vocab", "art66"]) == 2
    err = capsys.readouterr().err
    assert "did you mean `dpia vocab art6`" in err and "Traceback" not in err


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "dpia", "vocab", "art6"], capture_output=True, text=True)
    assert result.returncode == 0 and "Legitimate interests" in result.stdout


def _swallowed_stop(exc):
    """A stop signal's exception raised where Python only prints it (a weakref callback, __del__)."""
    from dpia import files

    try:
        files.stop(exc)
    except BaseException:  # noqa: BLE001 - what the interpreter does to an exception in a callback
        pass


def test_a_stop_python_swallowed_still_keeps_the_output_from_being_written(tmp_path):
    from dpia import files

    _swallowed_stop(KeyboardInterrupt())
    try:
        with pytest.raises(KeyboardInterrupt):
            files.write_atomic(tmp_path / "out.pdf", b"%PDF")
        assert not list(tmp_path.iterdir())  # neither the output nor its temporary file
        files.write_atomic(tmp_path / "index.html", "<p>what finished</p>", when_stopped=True)
        assert (tmp_path / "index.html").is_file()
    finally:
        files.resume()


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # the interpreter's "Exception ignored"
def test_a_stop_python_swallowed_after_the_last_write_still_ends_the_run_as_stopped(monkeypatch, capsys):
    import weakref

    class Collected:
        pass

    def validate(args):
        thing = Collected()
        weakref.finalize(thing, _swallowed_stop, cli._Terminated())  # where the interpreter cannot raise it
        keep = weakref.ref(thing, lambda _: cli.files.stop(cli._Terminated()))  # noqa: F841 - the callback must live
        del thing
        return 0

    monkeypatch.setattr(cli, "_cmd_validate", validate)
    assert cli.main(["validate", str(SAMPLES / "best2care")]) == 143
    err = capsys.readouterr().err
    assert "dpia: terminated" in err and "Traceback" not in err and "Exception ignored" not in err
    assert cli.main(["vocab", "art6"]) == 0  # the next run starts afresh
