"""The train step: fresh samples from the texture table, forward, losses, backward, update.

One `Trainer.run_steps` call runs steps under a `tf.distribute` strategy. Each
replica synthesises its own batch on its device from the seed (run seed, global
sample stream position, replica), so replicas never draw the same samples and
a resumed run continues the same stream. Which parts XLA compiles is a choice
(`xla`): on a GPU the whole step is one program; on a CPU XLA makes the
synthesis ~4x faster but the network ~3x slower, so only the synthesis is compiled.
"""

import dataclasses
import functools

import keras
import tensorflow as tf

from augment_tf import synthesize
from augment_tf.atlas_table import AtlasTable
from augment_tf.config import SynthesisConfig
from model.network.corner_model import training_view
from model.training import curriculum, losses

XLA_MODES = ("all", "synthesis", "none")
# What a step trains on: the labelled card (corners, present) and every card in the frame (cards, card_whole).
TRAINING_LABELS = ("image", "corners", "present", "cards", "card_whole")
# The loss terms a step reports (history.csv's train_* columns).
STEP_STATS = ("total", "coords", "heatmap", "orientation", "presence", "mask",
              "card_centre", "card_corners", "card_orientation")


@dataclasses.dataclass(frozen=True)
class StepConfig:
    """How a train step runs.

    Attributes:
      batch_size: samples per replica per step.
      xla: "all" (synthesis, forward, backward and, on one replica, the update
        in one XLA program), "synthesis" (only the synthesis) or "none".
      mixed_precision: float16 compute with loss scaling (the model must be
        built under the mixed_float16 policy).
      seed: the run's seed; the sample stream is a pure function of it.
      curriculum: ease the recipe by the trainer's `difficulty` variable
        (`Trainer.set_difficulty`), compiled once for every difficulty; without
        it the full recipe is compiled as numbers, as before curricula were tensors.
    """
    batch_size: int
    xla: str = "synthesis"
    mixed_precision: bool = False
    seed: int = 0
    curriculum: bool = False


class Trainer:
    """Runs train steps of `model` on samples synthesised from `table`.

    Create it inside `strategy.scope()`.

    Args:
      strategy: the `tf.distribute` strategy the model was built under.
      model: the inference model (`corner_model.build_model`); its layers are trained.
      table: the training textures.
      synthesis: the full synthesis recipe; `set_difficulty` eases it (`curriculum`) without compiling anew.
      optimizer: a Keras optimizer (a `LossScaleOptimizer` with mixed precision).
      config: batch size, XLA, precision and seed.
    """

    def __init__(self, strategy: tf.distribute.Strategy, model: keras.Model, table: AtlasTable,
                 synthesis: SynthesisConfig, optimizer: keras.optimizers.Optimizer, config: StepConfig):
        if config.xla not in XLA_MODES:
            raise ValueError(f"StepConfig.xla must be one of {XLA_MODES}. Received: {config.xla!r}")
        self.strategy, self.model, self.table, self.optimizer, self.config = strategy, model, table, optimizer, config
        self.view = training_view(model)
        self.size = int(model.input.shape[1])
        self.replicas = strategy.num_replicas_in_sync
        self.global_batch = config.batch_size * self.replicas
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step",
                                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        optimizer.build(self.view.trainable_variables)
        if synthesis.size != self.size:
            raise ValueError(f"the synthesis makes {synthesis.size}-px images but the model takes {self.size} px")
        self.difficulty = tf.Variable(1.0, trainable=False, name="difficulty",
                                      aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)

        def synthesise(cards: tf.Tensor, backgrounds: tf.Tensor, seed: tf.Tensor) -> dict[str, tf.Tensor]:
            recipe = (curriculum.at_difficulty(synthesis, self.difficulty.read_value()) if config.curriculum
                      else synthesis)
            return _training_labels(synthesize.synthesize(cards, backgrounds, seed, recipe))

        # No AutoGraph: the step branches in Python on its settings alone, never on a tensor, and AutoGraph's
        # rewriting of every function it calls (the synthesis's 800-odd) took a third of its tracing time.
        graph = functools.partial(tf.function, autograph=False)
        self._synthesise = graph(synthesise, jit_compile=self.config.xla != "none")
        whole_step_in_xla = self.config.xla == "all" and self.replicas == 1
        self._gradients = graph(self._replica_gradients, jit_compile=self.config.xla == "all")
        replica_step = graph(self._replica_step, jit_compile=True) if whole_step_in_xla else self._replica_step
        self._step_fn = graph(lambda: self._distributed_step(replica_step))

    def set_difficulty(self, difficulty: float) -> None:
        """Sets the curriculum's difficulty (0..1, `curriculum.at_difficulty`) for the steps that follow.

        Raises:
          ValueError: out of 0..1, or below 1 for a trainer without `StepConfig.curriculum`.
        """
        if curriculum.check_difficulty(difficulty) < 1.0 and not self.config.curriculum:
            raise ValueError("this trainer was built without StepConfig.curriculum: it trains on the full recipe")
        self.difficulty.assign(difficulty)

    @property
    def steps_done(self) -> int:
        """Global steps run so far, restored checkpoints included."""
        return int(self.step.read_value().numpy())

    def run_step(self) -> dict[str, float]:
        """Runs one global step; returns its mean loss terms."""
        stats = self._step_fn()
        return {name: float(value) for name, value in stats.items()}

    def _distributed_step(self, replica_step) -> dict[str, tf.Tensor]:
        stats = self.strategy.run(replica_step, args=(self.step.read_value(),))
        self.step.assign_add(1)
        return {name: self.strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None)
                for name, value in stats.items()}

    def replica_seed(self, step: tf.Tensor) -> tf.Tensor:
        """The [2] seed this replica synthesises from at `step`: (run seed, position in the sample stream).

        Call it in replica context (`strategy.run`).
        """
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        stream = tf.cast(step, tf.int32) * self.replicas + tf.cast(replica, tf.int32)
        return tf.stack([tf.constant(self.config.seed, tf.int32), stream])

    def _replica_step(self, step: tf.Tensor) -> dict[str, tf.Tensor]:
        gradients, stats = self._gradients(self.replica_seed(step))
        self.optimizer.apply_gradients(zip(gradients, self.view.trainable_variables))
        return stats

    def sample(self, seed: tf.Tensor) -> dict[str, tf.Tensor]:
        """One replica's batch of fresh samples: rows drawn from the table, synthesised (`synthesize`);
        `TRAINING_LABELS` of its outputs."""
        cards, backgrounds = self.table.draw(seed, self.config.batch_size)
        return self._synthesise(cards, backgrounds, seed)

    def _replica_gradients(self, seed: tf.Tensor):
        """Synthesises this replica's batch and returns (gradients, loss terms summed / global batch)."""
        batch = self.sample(seed)
        present = batch["present"]                                                  # [B]: a whole card to find
        with tf.GradientTape() as tape:
            outputs = self.view(batch["image"] * 255.0, training=True)
            terms = losses.per_sample_losses(outputs, batch["corners"], present, self.size)
            terms.update(losses.card_losses(outputs, batch["cards"], batch["card_whole"], self.size))
            terms["total"] = terms["total"] + terms["cards_total"]
            loss = tf.nn.compute_average_loss(terms["total"], global_batch_size=self.global_batch)
            if self.config.mixed_precision:
                loss = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(loss, self.view.trainable_variables)
        stats = {name: tf.reduce_sum(terms[name]) / self.global_batch for name in STEP_STATS}
        stats["present"] = tf.reduce_sum(tf.cast(present, tf.float32)) / self.global_batch
        return gradients, stats


def _training_labels(batch: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    return {name: batch[name] for name in TRAINING_LABELS}


def make_strategy() -> tf.distribute.Strategy:
    """MultiWorkerMirroredStrategy when TF_CONFIG names a cluster, MirroredStrategy across several
    GPUs, otherwise the default strategy."""
    import json
    import os
    if json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster"):
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()
