"""Security policy as code: cfn-guard rules and the checkov run over both outputs."""
