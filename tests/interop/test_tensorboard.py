"""`train --tensorboard DIR` against TensorBoard's own reader: every scalar of a run is read
back, equal (as f32) to the JSON-lines log's figures; the spec is there as text."""

import json

import numpy

from tensorboard.backend.event_processing import event_accumulator

from conftest import ROOT, run


def test_every_scalar_reads_back(binary, tmp_path):
    log = tmp_path / "run.jsonl"
    run("train", ROOT / "examples" / "03-iris.toml", "-q", "--epochs", "5",
        "--tensorboard", tmp_path / "tb", "--log", log)
    files = list((tmp_path / "tb").iterdir())
    assert len(files) == 1 and "tfevents" in files[0].name
    acc = event_accumulator.EventAccumulator(str(tmp_path / "tb"), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert tags == {"train/loss", "validation/loss", "validation/accuracy", "learning_rate",
                    "samples_per_s"}
    epochs = [json.loads(l) for l in log.read_text().splitlines() if "epoch" in json.loads(l)]
    assert len(epochs) == 5
    for tag, key in [("train/loss", "train_loss"), ("validation/loss", "val_loss"),
                     ("validation/accuracy", "val_accuracy"), ("learning_rate", "learning_rate"),
                     ("samples_per_s", "samples_per_s")]:
        events = acc.Scalars(tag)
        assert [e.step for e in events] == [e["epoch"] for e in epochs]
        for event, line in zip(events, epochs):
            # TensorBoard scalars are f32: equal to the log's f64 rounded to f32.
            expected = float(numpy.float32(line[key]))
            assert event.value == expected, (tag, event.value, expected)
    text = acc.Tensors("spec")
    assert len(text) == 1
    assert b'loss = "cross_entropy"' in text[0].tensor_proto.string_val[0]


def test_regression_logs_rmse(binary, tmp_path):
    run("train", ROOT / "examples" / "07-diabetes.toml", "-q", "--epochs", "2",
        "--tensorboard", tmp_path / "tb")
    acc = event_accumulator.EventAccumulator(str(tmp_path / "tb"), size_guidance={"scalars": 0})
    acc.Reload()
    assert "validation/rmse" in acc.Tags()["scalars"]
    assert [e.step for e in acc.Scalars("validation/rmse")] == [1, 2]
