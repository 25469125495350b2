"""Audit: policy files, their rules, audits and findings.

* :mod:`fleet.api.audit.schema` -- the JSON Schema of a policy file;
* :mod:`fleet.api.audit.policyfile` -- reading and checking policy files,
  every mistake located by line and column;
* :mod:`fleet.api.audit.policies` -- loaded policies (change-logged);
* :mod:`fleet.api.audit.snapshot` -- what an audit reads, in batches;
* :mod:`fleet.api.audit.run` -- running rules and writing findings;
* :mod:`fleet.api.audit.findings` -- reading findings, their lifecycle.
"""
