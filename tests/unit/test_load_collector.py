"""The collector load script in a small run: it must finish by itself and report every check passed."""

from benchmarks import load_collector


def test_quick_load_run_loses_nothing_and_refuses_every_malformed_request(capsys):
    status = load_collector.main(["--quick", "--hits", "300", "--clients", "4"])
    out = capsys.readouterr().out
    assert status == 0, "the load script reported failures:\n" + out
    assert "300 load hits" in out, out
    attacks = len(load_collector.attacks())
    assert f"rejected:         {attacks} of {attacks}" in out, out
    assert "OK: nothing lost, nothing partial" in out, out
