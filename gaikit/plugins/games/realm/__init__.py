"""``realm``: a compact, seeded grand-strategy simulation run by Victoria-3-style strategy engines.

Modules, leaves first: :mod:`.world` (map, countries), :mod:`.disputes`
(play and war records), :mod:`.economy` (markets, budget), :mod:`.chronicle`,
:mod:`.series`, :mod:`.state` (the world state and its services, which every
subsystem imports), :mod:`.forecast` (spending variables), :mod:`.features`
(what engines read), :mod:`.spending` (tiers against the budget),
:mod:`.politics` (laws), :mod:`.diplomacy` (desires, relations),
:mod:`.territory`, :mod:`.bankruptcy`, :mod:`.plays`, :mod:`.war` and
:mod:`.conflict` (diplomatic plays and wars), :mod:`.simulation` (founding
and the weekly loop), :mod:`.player` and :mod:`.env` (one country for
another agent), :mod:`.config` (the game's options), :mod:`.simulate` (the
world: whole runs, explanations) and :mod:`.game` (the registered game).
Guide: docs/realm.md.
"""
