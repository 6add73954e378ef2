"""The committed completion scripts are current, and they really complete in each shell."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = ROOT / "completions"
GENERATOR = ROOT / "scripts" / "gen_completions.py"


def _generator() -> ModuleType:
    """scripts/gen_completions.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("gen_completions", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nubra_exe() -> str:
    """The venv's real `nubra` console script, the program the completion scripts call."""
    exe = shutil.which("nubra", path=str(Path(sys.executable).parent)) or shutil.which("nubra")
    if exe is None:
        pytest.fail("the nubra console script is not installed: pip install -e '.[test]'")
    return exe


def _shell_env(**extra: str) -> dict[str, str]:
    """This test's environment with the venv's `nubra` first on PATH, as an installed one is."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(_nubra_exe()).parent), env.get("PATH", "")])
    env.update(extra)
    return env


def _lines(command: list[str], **extra: str) -> list[str]:
    result = subprocess.run(
        command, env=_shell_env(**extra), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def test_committed_scripts_are_current() -> None:
    generator = _generator()
    for path, text in generator.rendered().items():
        assert path.exists(), f"{path} is missing: run python scripts/gen_completions.py"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run python scripts/gen_completions.py and commit the result"
        )


def test_check_mode_exits_1_when_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator()
    monkeypatch.setattr(generator, "ROOT", tmp_path)
    monkeypatch.setattr(generator, "COMPLETIONS", tmp_path / "completions")
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0
    (tmp_path / "completions" / "nubra.fish").write_text("# edited by hand\n")
    assert generator.main(["--check"]) == 1


def test_check_mode_passes_on_the_committed_files() -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("shell", ["bash", "fish"])
def test_scripts_are_what_show_completion_prints(shell: str) -> None:
    """`nubra --show-completion` and the files stay one thing (zsh differs on purpose)."""
    shown = _lines(
        [_nubra_exe(), "--show-completion", shell], _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"
    )
    name = _generator().FILES[shell]
    assert shown == (COMPLETIONS / name).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("words", "cword", "offered"),
    [
        ("nubra wat", 1, "watch"),
        ("nubra doc", 1, "doctor"),
        ("nubra doctor --env p", 3, "prod"),
        ("nubra watch --st", 2, "--status"),
        ("nubra watch --format ", 3, "json"),
    ],
)
def test_nubra_answers_the_bash_protocol(words: str, cword: int, offered: str) -> None:
    """What the bash script asks of `nubra`: candidates for COMP_WORDS at COMP_CWORD."""
    candidates = _lines(
        [_nubra_exe()], _NUBRA_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(cword)
    )
    assert offered in candidates


@pytest.mark.parametrize(
    ("words", "offered", "not_offered"),
    [("nubra wat", "watch", "schema"), ("nubra watch --st", "--status", "--side")],
)
def test_bash_completes_with_the_sourced_script(words: str, offered: str, not_offered: str) -> None:
    """Source completions/nubra.bash in a real bash and call the completer as bash would."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    script = (
        f'source "{COMPLETIONS / "nubra.bash"}"\n'
        f"COMP_WORDS=({words})\n"
        "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        '[[ "$(complete -p nubra)" == *"-F _nubra_completion nubra" ]] || exit 3\n'
        "_nubra_completion nubra\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    candidates = _lines(["bash", "--norc", "--noprofile", "-c", script])
    assert offered in candidates
    assert not_offered not in candidates


def test_zsh_completes_on_the_first_tab_when_autoloaded(tmp_path: Path) -> None:
    """compinit autoloads `_nubra` from fpath on the first Tab, which must complete at once."""
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")
    fpath = tmp_path / "fpath"
    fpath.mkdir()
    shutil.copy(COMPLETIONS / "_nubra", fpath / "_nubra")
    script = (
        f"fpath=({fpath} $fpath); autoload -Uz compinit && compinit -D\n"
        # Outside a real Tab, _arguments stands in to show what would be offered.
        '_arguments() { print -r -- "$@" }\n'
        "words=(nubra wat); CURRENT=2\n"
        '"${_comps[nubra]}"\n'
        'print -r -- "then: ${_comps[nubra]}"\n'
    )
    lines = _lines(["zsh", "-df", "-c", script], HOME=str(tmp_path))
    assert any('"watch"' in line for line in lines[:-1]), lines
    assert lines[-1] == "then: _nubra_completion"


def test_fish_completes_with_the_script(tmp_path: Path) -> None:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed")
    command = (
        f'source "{COMPLETIONS / "nubra.fish"}"; '
        'complete -C "nubra wat"; complete -C "nubra watch --st"'
    )
    candidates = [
        line.split("\t")[0]
        for line in _lines(["fish", "--no-config", "-c", command], HOME=str(tmp_path))
    ]
    assert "watch" in candidates
    assert "--status" in candidates
