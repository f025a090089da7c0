"""What `phnlab results list` reads of a store: every run folder and its state."""


def test_a_started_run_is_listed_with_its_checkpoint(tmp_path, tiny_spec, data_root):
    from phnlab.commands.results import list_rows
    from phnlab.experiments.runner import run

    spec = tiny_spec("lr", 2)
    run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True, stop_after=1)
    (row,) = list_rows(tmp_path)
    assert (row["label"], row["state"]) == ("LR-2", "checkpointed at experience 1")
    from phnlab.experiments.store import ResultsStore

    (found,) = ResultsStore(tmp_path).inventory()
    assert found["seconds"] > 0 and not found["running"]
