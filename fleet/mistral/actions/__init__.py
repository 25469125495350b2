"""fleet's Mistral actions (``mistral.actions`` entry points ``fleet.*``).

Each is a small mistral-lib ``Action`` with typed inputs that calls only
fleet's service layer (:mod:`fleet.api`). They run in Mistral's executors,
which need fleet installed beside mistral-lib.
"""
