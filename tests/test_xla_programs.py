"""`benchmarks/xla_programs.py` writes XLA modules that another XLA can run without TensorFlow."""

import gzip
import sys

import pytest
import tensorflow as tf
from tensorflow.compiler.xla.service import hlo_pb2

from synthesis_helpers import BENCHMARKS, benchmark_script

_SCRIPT = BENCHMARKS / "xla_programs.py"


@pytest.fixture(scope="module")
def xla_programs():
    return benchmark_script("xla_programs")


def test_module_lists_parameters_and_has_no_copies(xla_programs, tmp_path):
    variable = tf.Variable(tf.ones([3, 4]))

    @tf.function(jit_compile=True)
    def step(x, seed):
        variable.assign(variable * x + tf.cast(seed[0], tf.float32))
        return tf.reduce_sum(variable)

    args = (tf.fill([3, 4], 2.0), tf.constant([1, 2]))
    parameters = xla_programs._write_module(tmp_path, "step", step, args)
    assert {"dtype": "s32", "shape": [2]} in parameters
    assert parameters.count({"dtype": "f32", "shape": [3, 4]}) == 2             # x and the variable
    module = hlo_pb2.HloModuleProto.FromString(gzip.decompress((tmp_path / "step.hlo.pb.gz").read_bytes()))
    opcodes = {instruction.opcode for computation in module.computations for instruction in computation.instructions}
    assert "parameter" in opcodes and "copy" not in opcodes


def _usage_error(xla_programs, monkeypatch, capsys, *args) -> str:
    """The command line's last stderr line for `args`, which must end it with argparse's usage error (exit 2)."""
    monkeypatch.setattr(sys, "argv", [str(_SCRIPT), *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        xla_programs.main()
    assert exit_info.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_time_without_an_export_names_the_folder(xla_programs, tmp_path, monkeypatch, capsys):
    assert "missing: no programs.json" in _usage_error(xla_programs, monkeypatch, capsys, "time", tmp_path / "missing")


def test_a_bad_program_spec_is_a_one_line_usage_error(xla_programs, tmp_path, monkeypatch, capsys):
    last = _usage_error(xla_programs, monkeypatch, capsys, "export", "--out", tmp_path, "--programs", "resnet:256")
    assert "'resnet:256' is not KIND:SIZE:BATCH" in last
    assert not any(tmp_path.iterdir())


def test_program_spec_parses_kind_size_and_batch(xla_programs):
    assert xla_programs.program_spec("synthesis:256:32") == ("synthesis", 256, 32)
