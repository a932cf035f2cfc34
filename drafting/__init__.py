"""Drafting a plan file from the plan document itself (`planflow plan draft`).

The document (a Kế hoạch, often with its approving Quyết định) is read into numbered lines
(`reading`), parsed into its Decree 30/2020 structure (`structure`), mined for the plan's values
(`extract`, with agency names placed by `gazetteer` and reporting rounds read by `regime`) and
written as a commented plan YAML and a contacts skeleton (`writer`). Every value keeps its source
line; what cannot be decided is written as a `TODO` for the officer, never guessed.
"""
