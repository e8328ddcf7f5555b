"""Deploy artifacts built offline, without docker (``make package``; ADR 0004).

``lock``: resolve the cloud's dependencies for the Lambda platform into ``requirements/``.
``build``: install each layer from the lock (hash-checked wheels cached under ``build/``), copy
each function's code, measure it all and write ``build/package-report.json``.
``check-assets``: the synthesized assets in ``cdk.out/`` measure what the report says.
"""
