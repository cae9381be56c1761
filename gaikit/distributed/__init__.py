"""Actor–learner training on Ray: Ape-X's distributed prioritized replay for any off-policy learner.

``gaikit run GAME --actors N`` (``train.actors``) splits the synchronous loop
of :mod:`gaikit.core.runner` over Ray processes (Horgan et al., 2018):

* N :class:`~gaikit.distributed.collector.Collector` actors step the game's
  vector env with a copy of the policy (encoder + the learner's acting part
  + selector) and ship chunks of transitions with initial priorities (their
  own TD errors where the learner gives action values);
* ``train.replay_shards`` :class:`~gaikit.distributed.replay.ReplayShard`
  actors own the memory (any Memory plugin) behind a samples-per-insert rate
  limiter (:mod:`gaikit.distributed.rate_limiter`);
* the driver process is the learner and the one writer: it samples, updates,
  returns priorities, publishes weights every ``train.sync_every`` updates
  (:class:`~gaikit.distributed.weights.WeightStore`), logs, evaluates and
  checkpoints (:class:`~gaikit.distributed.runner.ActorLearnerRunner`).

Ray is the optional extra ``gaikit[distributed]``; nothing here is imported
by a synchronous run.
"""
