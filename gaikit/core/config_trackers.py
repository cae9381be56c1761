"""Config models of what watches a run: experiment trackers (``train.loggers``) and early stopping (``train.early_stop``).

Sections of :class:`gaikit.core.config.TrainConfig`; the loggers that read
them live in :mod:`gaikit.plugins.loggers`, early stopping in
:mod:`gaikit.core.early_stop`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EarlyStopConfig(BaseModel):
    """When a run stops before ``train.steps`` (``train.early_stop``), judged at each evaluation.

    ``threshold``: stop once the metric reaches it; ``patience``: stop after
    that many evaluations in a row without a new best (by more than
    ``min_delta``). Give one or both.
    """

    model_config = ConfigDict(extra="forbid")

    metric: Literal["eval_mean", "eval_min", "eval_max"] = Field(
        "eval_mean", description="The evaluation figure judged: mean, min or max greedy return."
    )
    threshold: float | None = Field(None, description="Stop once the metric is at least this (none: no threshold).")
    patience: int | None = Field(
        None, ge=1, description="Stop after this many evaluations in a row without a new best (none: never)."
    )
    min_delta: float = Field(0.0, ge=0.0, description="How much a new best must beat the old one to count (patience).")

    @model_validator(mode="after")
    def _one_rule(self) -> "EarlyStopConfig":
        if self.threshold is None and self.patience is None:
            raise ValueError("give threshold, patience or both")
        return self


class WandbLoggerConfig(BaseModel):
    """Weights & Biases logging (``train.loggers.wandb``; needs ``pip install gaikit[wandb]``)."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field("gaikit", min_length=1, description="W&B project.")
    entity: str | None = Field(None, description="W&B entity (team or user; none: the account's default).")
    mode: Literal["online", "offline", "disabled"] | None = Field(
        None, description="W&B mode; none: online when WANDB_API_KEY is set or WANDB_MODE says so, else offline "
        "(files under RUN_DIR/wandb, `wandb sync` uploads them later)."
    )
    name: str | None = Field(None, description="Run name shown in W&B (none: the run directory's name).")
    tags: list[str] = Field(default_factory=list, description="W&B tags of the run.")


class MlflowLoggerConfig(BaseModel):
    """MLflow logging (``train.loggers.mlflow``; needs ``pip install gaikit[mlflow]``)."""

    model_config = ConfigDict(extra="forbid")

    tracking_uri: str | None = Field(
        None, description="MLflow tracking URI (a server, or file:PATH); none: MLFLOW_TRACKING_URI, else "
        "file:RUN_DIR/mlruns."
    )
    experiment: str = Field("gaikit", min_length=1, description="MLflow experiment name (created if missing).")
    run_name: str | None = Field(None, description="MLflow run name (none: the run directory's name).")


class LoggersConfig(BaseModel):
    """Optional experiment trackers (``train.loggers``); ``[wandb, mlflow]`` switches them on with defaults."""

    model_config = ConfigDict(extra="forbid")

    wandb: WandbLoggerConfig | None = Field(None, description="Weights & Biases (none: off).")
    mlflow: MlflowLoggerConfig | None = Field(None, description="MLflow (none: off).")

    @model_validator(mode="before")
    @classmethod
    def _from_names(cls, data: Any) -> Any:
        if isinstance(data, list):
            unknown = [name for name in data if name not in cls.model_fields]
            if unknown:
                raise ValueError(f"unknown logger {unknown[0]!r}; expected {', '.join(cls.model_fields)}")
            return {name: {} for name in data}
        return data

    def enabled(self) -> list[str]:
        """Names of the loggers switched on."""
        return [name for name in type(self).model_fields if getattr(self, name) is not None]
