"""``realm``: a compact, seeded grand-strategy simulation run by Victoria-3-style strategy engines.

Modules: :mod:`.world` (map, countries), :mod:`.economy` (markets, budget),
:mod:`.forecast` (spending variables), :mod:`.features` (what engines read),
:mod:`.spending` (tiers against the budget), :mod:`.politics` (laws),
:mod:`.diplomacy` (desires, relations), :mod:`.plays` and :mod:`.conflict`
(diplomatic plays), :mod:`.war`, :mod:`.chronicle`, :mod:`.series`,
:mod:`.simulation` (the weekly loop), :mod:`.player` and :mod:`.env` (one
country for another agent), :mod:`.simulate` (world runs, explanations),
:mod:`.game` (the registered game). Guide: docs/realm.md.
"""
