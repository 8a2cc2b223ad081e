"""Benchmark scripts' own logic: `synthesis_throughput.py --costs` switches off exactly what it names;
`budget_run.py` sizes the epochs to the budget, hands flags after `--` to train.py, stops it when stopped and
prints the per-family scores; `realdev.py` counts the photos read turned; `train_throughput.py` reads a baseline
checkout's rates; `synthetic_errors.py` counts every card by its size; `orientation.py` draws each family alike from
fresh cards and counts the faces read turned per family and view; `web_latency.py` reads each page run and sets it
beside a baseline checkout's page, which its site serves with this checkout's vendor/."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from synthesis_helpers import BENCHMARKS, benchmark_script


def test_config_without_switches_off_the_named_parts_only():
    bench = benchmark_script("synthesis_throughput")
    full = bench.config_without(256, [])
    config = bench.config_without(256, ["sleeve", "blur"])
    assert config.scene.sleeve.p == 0 and config.scene.occluder == full.scene.occluder
    assert config.photometric.defocus.p == 0 and config.photometric.motion_blur.p == 0
    assert config.photometric.defocus.high == full.photometric.defocus.high
    assert config.photometric.jpeg == full.photometric.jpeg and config.size == 256


def test_costs_times_the_full_config_each_part_alone_and_all_parts():
    bench = benchmark_script("synthesis_throughput")
    variants = bench.costs_variants()
    parts = bench._SCENE_PARTS + bench._PHOTOMETRIC_PARTS
    assert variants[0] == () and variants[-1] == parts
    assert [v[0] for v in variants[1:-1]] == list(parts) and all(len(v) == 1 for v in variants[1:-1])


def test_budget_run_sizes_epochs_to_the_budget_and_passes_flags_after_the_separator(tmp_path):
    budget = benchmark_script("budget_run")
    args = budget.parse_args(["--out", str(tmp_path / "run"), "--minutes", "10", "--steps_per_minute", "260",
                              "--", "--lr", "2e-3", "--seed", "3"])
    command = budget.train_command(args)
    flag = lambda name: command[command.index(name) + 1]  # noqa: E731
    assert flag("--epochs") == "13" and flag("--curriculum_epochs") == "2" and flag("--max_minutes") == "10.0"
    assert command[-4:] == ["--lr", "2e-3", "--seed", "3"] and "--resume" not in command
    assert budget.train_command(budget.parse_args(["--out", str(tmp_path / "run")]))[-2:] == ["--weights", "none"]


def test_stopping_the_budget_run_stops_its_training(tmp_path):
    """SIGTERM to budget_run reaches the train.py it runs (here a sleeper standing in for it)."""
    pid_file = tmp_path / "child.pid"
    sleeper = f"import os, pathlib, time; pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid())); time.sleep(120)"
    runner = (f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); import budget_run; "
              f"budget_run.run_to_the_end([sys.executable, '-c', {sleeper!r}])")
    parent = subprocess.Popen([sys.executable, "-c", runner], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and parent.poll() is None, "the stand-in training never started"
        time.sleep(0.05)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) != 0 and "stopped with exit code" in parent.stderr.read()
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_realdev_counts_the_photos_each_method_reads_turned(tmp_path, capsys):
    """A primary card found on its corners but named from another side is "read turned"; a miss is not."""
    realdev = benchmark_script("realdev")
    card = np.array([[100, 100], [400, 100], [400, 520], [100, 520]], np.float32)
    names = ["a.jpg", "b.jpg", "c.jpg"]
    (tmp_path / "annotations.json").write_text(json.dumps([{"filename": name, "corners": card.tolist()}
                                                           for name in names]))
    answers = {"model, one pass": [np.roll(card, 1, axis=0), card, card + 200],   # turned, right, missed
               "classical": [card, card, card]}
    results = {method: {"corners": np.stack(corners), "seconds": np.ones(3), "presence": np.ones(3),
                        "cards": [c[None] for c in corners], "card_scores": [np.ones(1)] * 3, "card_threshold": 0.5}
               for method, corners in answers.items()}
    table = realdev.report(tmp_path, names, np.full([3, 2], 800, np.float32), results)
    assert table["model, one pass"]["read_turned"] == 1 and table["classical"]["read_turned"] == 0
    assert table["model, one pass"]["read_turned_share"] == 1 / 3
    realdev.print_markdown(names, table)
    assert "| read turned (within 3% free, not aware) | 1 of 3 | 0 of 3 |" in capsys.readouterr().out


def test_realdev_lists_each_cards_nearest_answer(tmp_path, capsys):
    """Per photo and card, the worst corner of the answer nearest it in % of its side, starred over 2%; "-" where
    the photo has no answer."""
    realdev = benchmark_script("realdev")
    card = np.array([[100, 100], [400, 100], [400, 520], [100, 520]], np.float32)       # 420 px: 2% is 8.4 px
    cards = [card.tolist(), (card + 500).tolist()]
    (tmp_path / "annotations.json").write_text(json.dumps(
        [{"filename": name, "corners": card.tolist(), "cards": cards} for name in ("a.jpg", "b.jpg")]))
    answers = [np.stack([card + [0, 4.2], card + 500 + [0, 21]]), np.zeros([0, 4, 2], np.float32)]
    results = {"model, refined, 4 turns": {
        "corners": np.stack([card, card]), "seconds": np.ones(2), "presence": np.ones(2), "cards": answers,
        "card_scores": [np.ones(2), np.ones(0)], "card_threshold": 0.5}}
    table = realdev.report(tmp_path, ["a.jpg", "b.jpg"], np.full([2, 2], 1200, np.float32), results)
    realdev.print_cards_markdown(["a.jpg", "b.jpg"], table)
    printed = capsys.readouterr().out
    assert "| a.jpg | 1.0 5.0* |" in printed and "| b.jpg | - - |" in printed


def test_live_letterbox_cuts_each_card_as_the_live_path_crops_it():
    """The card's bounding box plus the margin on every side, square, scaled to the asked side; cut where the photo
    ends; the card's corners moved with it."""
    script = benchmark_script("live_letterbox")
    photo = np.random.default_rng(0).integers(0, 256, (800, 1000, 3), dtype=np.uint8)
    card = np.array([[400, 300], [500, 300], [500, 440], [400, 440]], np.float64)      # 140 px tall
    crop, moved = script.card_crop(photo, card, 280)                    # a 196-px square (margin 0.2), to 280
    assert crop.shape == (280, 280, 3)
    np.testing.assert_allclose(moved.max(0) - moved.min(0), np.array([100, 140]) * 280 / 196, atol=1.5)
    edge, moved = script.card_crop(photo, card - [380, 0], 280)                       # 18 px from the left edge
    assert edge.shape[0] == 280 and edge.shape[1] < 280 and moved[:, 0].min() == pytest.approx(20 * 280 / 196, 0.05)


def test_card_thresholds_keeps_the_answers_at_each_threshold(capsys):
    """A right answer scored 0.35 and a false one scored 0.25: at 0.2 both count, at 0.3 only the right one,
    at 0.4 neither."""
    script = benchmark_script("card_thresholds")
    card = np.array([[100, 100], [400, 100], [400, 520], [100, 520]], np.float32)
    found = [(np.stack([card, card + 300]), np.float32([0.35, 0.25]))]
    table = script.scores_by_threshold(found, [card[None]], [(800, 800)], [0.2, 0.3, 0.4])
    assert (table[0.2]["recall_card5"], table[0.2]["precision_card5"]) == (1.0, 0.5)
    assert (table[0.3]["recall_card5"], table[0.3]["precision_card5"]) == (1.0, 1.0)
    assert table[0.4]["recall_card5"] == 0.0
    script.print_markdown(table, table)
    assert "| 0.3 | 1.00 / 1.00 / 1.000 | 1.00 / 1.00 / 1.000 | 1.00 |" in capsys.readouterr().out


def test_budget_run_prints_a_table_per_family_and_per_border_colour(capsys):
    row = {"count": 3.0, "worst_frac_median_free": 0.01, "within3_free": 1.0, "within3_aware": 2 / 3,
           "turned": 1 / 3}
    benchmark_script("budget_run").print_groups({"family": {"1993": row, "saga": row}, "border": {"black": row}})
    printed = capsys.readouterr().out
    assert "| layout family | photos |" in printed and "| border colour | photos |" in printed
    assert "| saga | 3 | 1.0% | 100% | 67% | 33% |" in printed and "| black |" in printed


def test_train_throughput_reads_the_baseline_checkouts_own_table(tmp_path):
    """`--baseline DIR` runs DIR's copy of the script and reads samples/s from each row of its table."""
    script = tmp_path / "benchmarks" / "train_throughput.py"
    script.parent.mkdir()
    script.write_text("import sys\nassert '--presets' in sys.argv\nprint('| preset | model | device | batch | "
                      "samples/s |\\n|---|\\n| cpu | m | CPU | 16 | 61.5 | 1 |\\n| web | m | CPU | 16 | 20.25 | 1 |')\n")
    args = argparse.Namespace(baseline=tmp_path, data_dir="data", presets=["cpu", "web"], seconds=1.0, cards=8,
                              contexts=None)
    assert benchmark_script("train_throughput").baseline_rates(args) == [61.5, 20.25]


def test_synthetic_errors_counts_every_card_by_its_size(capsys):
    """A small card found exactly and a large one 10 px off: 5% of the large card's side is 3 px, 3% of the
    100-px frame is 3 px, so only the small one is found at either tolerance."""
    small = np.float32([[10, 10], [20, 10], [20, 24], [10, 24]])                   # sqrt(area) 12 px of 100
    large = np.float32([[30, 20], [75, 20], [75, 82], [30, 82]])                   # 53 px of 100

    class Answers:
        def predict_input_cards(self, images):
            return [(np.stack([small, large + 10]), np.ones(2, np.float32))]

    cards = np.stack([small, large])[None]
    benchmark_script("synthetic_errors").print_cards_by_size(Answers(), np.zeros([1, 100, 100, 3], np.uint8), cards,
                                                             np.ones([1, 2], bool))
    printed = capsys.readouterr().out
    assert "| 0.10-0.15 | 1 | 100% | 100% |" in printed and "| 0.50-1.00 | 1 | 0% | 0% |" in printed


def test_orientation_draws_each_family_alike_from_cards_no_dataset_holds():
    bench = benchmark_script("orientation")
    from augment_tf.config import recipe
    from mtg_tfds.generators import card_families

    atlases, groups = bench.fresh_cards(1, recipe(64))
    assert sorted(groups["family"]) == sorted(card_families.FAMILIES) and len(atlases) == len(groups["name"])
    assert bench.CARD_SEED != 0                                     # the bundled dataset's seed


def test_orientation_counts_the_faces_read_turned_per_family_view_and_look(capsys):
    """One view's first pass names every saga from its next corner (read turned) and finds the rest, its second
    look reads every card right; the four-turn vote finds all in both looks; the first pass's corners are mapped
    from the input to the photo (twice its side); a frame without a card is not scored."""
    card = np.float32([[20, 20], [80, 24], [84, 104], [16, 100]])                    # photo pixels
    images = {"image": np.zeros([4, 128, 128, 3], np.uint8), "corners": np.stack([card] * 4),
              "present": np.array([True, True, True, False]), "family": np.array(["saga", "saga", "split", "saga"])}

    class Reader:
        size = 64

        def __init__(self, turned_family, second_look_right):
            self.turned_family, self.second_look_right = turned_family, second_look_right

        def predict_inputs(self, inputs):
            assert inputs.shape[1:3] == (64, 64)
            turned = (images["family"] == self.turned_family)[:, None, None]
            found = np.where(turned, np.roll(images["corners"], 1, axis=1), images["corners"]) / 2
            return found, np.ones(len(inputs))

        def refine_quads(self, photos, quads):
            assert photos[0].shape == (128, 128, 3) and quads[0].shape == (1, 4, 2)
            return [images["corners"][index][None] if self.second_look_right else quad
                    for index, quad in enumerate(quads)]

    bench = benchmark_script("orientation")
    scores = bench.read_turned({"one view": Reader("saga", True), "four turns": Reader("none", False)}, images)
    first, second = scores["one view, first pass"], scores["one view, second look"]
    assert first["saga"]["turned"] == 1.0 and first["saga"]["count"] == 2
    assert first["split"]["turned"] == 0.0 and first["all"]["turned"] == 2 / 3
    assert second["all"]["turned"] == 0.0 and second["all"]["within3_aware"] == 1.0
    assert scores["four turns, first pass"]["all"]["within3_aware"] == 1.0
    assert scores["four turns, second look"]["all"]["turned"] == 0.0
    bench.print_tables({"m.keras": scores})
    printed = capsys.readouterr().out
    assert "| saga (2) | 100% / **100.0%** (0.0%) |" in printed and "| all (3) | 100% / **66.7%** (0.0%) |" in printed
    assert "one view, second look: within 3% order-free / read turned (of which half round)" in printed


def _page_run(milliseconds: list[float], letterbox_ms: float, live_ms: list[float], corners: list) -> dict:
    """What page_check.mjs answers for one photo, "a.jpg", and the webcam."""
    timing = {stage: 1.0 for stage in ("read", "model", "decode", "warp", "draw")} | {"letterbox": letterbox_ms}
    return {"backend": "wasm", "webcam": {"milliseconds": live_ms},
            "photos": {"a.jpg": {"milliseconds": milliseconds, "shownMilliseconds": [m + 5 for m in milliseconds],
                                 "timings": [timing] * len(milliseconds), "last": {"corners": corners}}}}


def test_web_latency_sets_each_backend_beside_the_baseline(capsys):
    bench = benchmark_script("web_latency")
    photo, label = np.zeros((100, 200, 3), np.uint8), np.array([[10, 10], [50, 10], [50, 80], [10, 80]], float)
    warmup = [1000.0] * bench.LIVE_WARMUP                                   # the camera starting: left out
    before = bench.page_figures(_page_run([300, 200, 400], 120, warmup + [60] * 10, label.tolist()),
                                ["/x/a.jpg"], [photo], [label])
    after = bench.page_figures(_page_run([150, 100, 200], 30, warmup + [30] * 10, (label + [0, 2]).tolist()),
                               ["/x/a.jpg"], [photo], [label])
    assert before["median_ms"] == 300 and before["shown_median_ms"] == 305 and before["live_median_ms"] == 60
    assert before["max_corner_percent"] == 0 and after["max_corner_percent"] == pytest.approx(1.0)  # 2 px of 200
    assert after["split_median_ms"]["letterbox"] == 30 and after["live_frames"] == 10
    bench.print_against_baseline({"wasm": after}, {"wasm": before})
    row = capsys.readouterr().out.strip().splitlines()[-1]
    assert row == "| wasm | 300 / 150 (0.50) | 120 / 30 (0.25) | 1 / 1 (1.00) | 60 / 30 (0.50) | 60 / 30 (0.50) |"


def test_web_latency_refuses_a_baseline_that_is_no_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit):
        benchmark_script("web_latency").parse_args(["--model", "m.keras", "--photos", "a.jpg", "--baseline",
                                                    str(tmp_path)])
    assert f"--baseline {tmp_path}: no web/page.js there" in capsys.readouterr().err


def test_a_page_site_serves_another_checkouts_page_with_this_ones_vendor(tmp_path):
    from web import harness
    other = tmp_path / "other" / "web"
    (other / "src").mkdir(parents=True)
    for name in ("index.html", "page.js", "page.css", "sw.js"):
        (other / name).write_text(name)
    site = harness.page_site(tmp_path / "site", tmp_path / "model", other)
    assert (site / "page.js").resolve() == (other / "page.js").resolve()
    assert (site / "src").resolve() == (other / "src").resolve()
    assert (site / "vendor").resolve() == (harness.WEB / "vendor").resolve()
    with pytest.raises(harness.WebToolError, match="no page.js"):
        harness.page_site(tmp_path / "site2", tmp_path / "model", tmp_path)
