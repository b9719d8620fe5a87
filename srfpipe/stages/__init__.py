"""Stage orchestrators: parameter dict (+ seed, eta, upstream artifacts) -> xarray.Dataset.

Each `run` is pure apart from logging; files are read and written by the workflow scripts
(`workflow/scripts/`) through `srfpipe.store`. The parameter dicts are those of
`srfpipe.keys.stage_params`; each module is named after its rule.
"""
