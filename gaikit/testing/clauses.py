"""Contract clauses: numbered, titled promises every component of a kind keeps.

Each check in the contract suite names the clause it enforces, so a failure
reads ``[ENC-2 features_dim matches forward output width] encoder says 64,
forward returned 32 columns``. The table below is the single source of the
ids and titles; ``docs/contracts.md`` lists them for plugin authors.
"""

from __future__ import annotations

from typing import Any, Callable, NoReturn, TypeVar

T = TypeVar("T")

#: Clause id -> one-line title, grouped by component kind.
CLAUSES: dict[str, str] = {
    # plugins as a whole
    "PLUG-1": "the plugin loads and its registration hooks run without error",
    "PLUG-2": "the plugin supplies at least one component",
    # encoders
    "ENC-0": "the factory builds an encoder with its default config for a sample observation space",
    "ENC-1": "the encoder is a torch.nn.Module with a positive integer features_dim",
    "ENC-2": "features_dim matches forward output width",
    "ENC-3": "forward maps a batch in the space's own dtype to float32 (batch, features_dim) for any batch size",
    "ENC-4": "outputs are finite for random observations and at the space's bounds",
    "ENC-5": "each row is encoded independently of the other rows in the batch",
    "ENC-6": "construction under the same torch seed is deterministic and forward is repeatable",
    "ENC-7": "gradients reach the parameters and are finite",
    "ENC-8": "a state_dict round trip into a fresh encoder reproduces its outputs",
    # memories
    "MEM-0": "the factory builds a memory with its default config for sample spaces",
    "MEM-1": "len() counts sampleable transitions: 0 when empty, never more than were added",
    "MEM-2": "sample returns a Batch with the documented shapes and dtypes",
    "MEM-3": "sampled transitions are stored ones, with discounts consistent with termination",
    "MEM-4": "importance weights are finite and in (0, 1]",
    "MEM-5": "indices are non-negative integers naming one transition each, and update_priorities accepts them",
    "MEM-6": "a prioritized memory samples higher priorities more often, with lower importance weights",
    "MEM-7": "the same seed and the same additions give the same samples",
    "MEM-8": "a state_dict round trip restores contents, cursor and random state",
    "MEM-9": "state_dict survives gaikit's checkpoint format unchanged",
    # learners
    "LRN-0": "the factory builds a learner with its default config for sample spaces",
    "LRN-1": "gamma is in (0, 1] and n_step is a positive integer",
    "LRN-2": "predict returns the documented Preferences for the action space, finite",
    "LRN-3": "update returns finite float metrics and td_errors of shape (batch,) that are finite and >= 0",
    "LRN-4": "no NaN or inf in predictions or state after updates",
    "LRN-5": "update learns: the learner's state changes after a gradient step",
    "LRN-6": "the same seed and the same batches give the same predictions",
    "LRN-7": "a state_dict round trip restores networks and optimisers: same predictions, same next update",
    "LRN-8": "state_dict survives gaikit's checkpoint format unchanged",
    "LRN-9": "the learner builds its networks on the make_encoder it is given",
    "LRN-10": "policy_state carries what predict needs: a fresh learner loading it predicts the same",
    # selectors
    "SEL-0": "the factory builds a selector with its default config for a sample action space",
    "SEL-1": "select returns one action per row with the action space's shape",
    "SEL-2": "actions are valid for the action space, exploring or not, early and late in the schedule",
    "SEL-3": "explore=False is greedy: deterministic, and the argmax of the values for Discrete spaces",
    "SEL-4": "the same seed gives the same actions",
    "SEL-5": "a state_dict round trip continues the same action sequence",
    "SEL-6": "state_dict survives gaikit's checkpoint format unchanged",
    "SEL-7": "explain() returns a dict or None",
    "SEL-8": "set_actor(index, count) is accepted for every actor of a run, and actions stay valid",
    # games
    "GAME-0": "the factory builds a game with its default config",
    "GAME-1": "make_env returns a gymnasium.Env with observation and action spaces",
    "GAME-2": "the env passes gymnasium's check_env",
    "GAME-3": "seeded resets and steps are deterministic",
    "GAME-4": "make_vector_env returns num_envs envs in SameStep autoreset mode with matching single spaces",
    "GAME-5": "in SameStep mode an ended episode reports its final observation in infos['final_obs']",
    "GAME-6": "features() returns exactly feature_names(), as finite floats",
    "GAME-7": "env_state round trip, where supported, reproduces the next step",
    "GAME-8": "default_config_path, if given, is an existing YAML file holding a mapping",
    # strategy files
    "STRAT-1": "the registered path exists and is a YAML file or a directory holding YAML files",
    "STRAT-2": "the strategies load with gaikit's loader: valid schema, triggers read only known features and values",
    "STRAT-3": "loading warns of nothing (e.g. no key written twice)",
    # agent kinds
    "AGENT-0": "the kind builds an Agent the way gaikit run GAME --agent KIND does, for a game it supports",
    "AGENT-1": "act returns one valid action per env: the vector env's batch shape, an integer or float dtype "
               "castable to the space's, every row inside the action space, exploring or not",
    "AGENT-2": "observe accepts the runner's Transition for every step of play, episode ends included",
    "AGENT-3": "can_learn returns a bool, and learn, when it can, returns a dict of finite float metrics",
    "AGENT-4": "the same seed and the same play give the same actions",
    "AGENT-5": "a state_dict round trip into an agent built with another seed continues with the same actions",
    "AGENT-6": "state_dict survives gaikit's checkpoint format unchanged",
    "AGENT-7": "explain() is None or a JSON-serialisable dict or list; explain_records() a list of "
               "JSON-serialisable dicts; describe() a JSON-serialisable dict",
    # worlds
    "WORLD-0": "the factory builds a World from its default config (made short) or declared options",
    "WORLD-1": "run returns 0 and writes the run directory, whose config.yaml loads back as the run config",
    "WORLD-2": "the same run config and seed give the same outputs: files and printed lines",
    "WORLD-3": "explain_decisions on an unknown actor raises a ConfigError naming it",
    "WORLD-4": "explain_decisions on a malformed date or one outside the simulated time raises ConfigError",
    "WORLD-5": "explain_decisions on a known actor and a date inside the simulated time returns a list of "
               "JSON-serialisable records, the same each time",
}


#: The clause a component violates when its factory cannot build it, by kind.
BUILD_CLAUSE: dict[str, str] = {
    "encoders": "ENC-0", "memories": "MEM-0", "learners": "LRN-0",
    "selectors": "SEL-0", "games": "GAME-0", "strategies": "STRAT-1",
    "agents": "AGENT-0", "worlds": "WORLD-0",
}


class ContractViolation(AssertionError):
    """A component broke a contract clause; ``clause`` is its id, e.g. ``"ENC-2"``."""

    def __init__(self, clause: str, why: str) -> None:
        self.clause = clause
        self.why = why
        super().__init__(f"[{clause} {CLAUSES[clause]}] {why}")


def violation(clause: str, why: str) -> NoReturn:
    """Fail the running check, naming the clause and the reason."""
    if clause not in CLAUSES:
        raise KeyError(f"unknown contract clause {clause!r}")
    raise ContractViolation(clause, why)


def check(condition: object, clause: str, why: str) -> None:
    """Fail with :class:`ContractViolation` unless ``condition`` holds."""
    if not condition:
        violation(clause, why)


def guarded(clause: str, what: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``call``; an exception it raises becomes a violation of ``clause``.

    ``what`` says what was being done, e.g. ``"encoder.forward"``.
    """
    try:
        return call(*args, **kwargs)
    except ContractViolation:
        raise
    except Exception as exc:  # the component's own error is the reason
        violation(clause, f"{what} raised {type(exc).__name__}: {exc}")
