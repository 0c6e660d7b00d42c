"""Translates a SAM template to the CloudFormation template AWS deploys.

Usage: python3 translate.py TEMPLATE [Name=Value ...] > translated.json

samtemplate.Translate runs it from the Go tests and tools, embedded.

It runs the SAM translator (pip install aws-sam-translator; cfn-lint
depends on it) the way cfn-lint does: offline, without AWS credentials, in
one fixed Region. The translator reads the Region only to choose the ARN
partition (aws) of the managed policies it attaches, and names managed
policies from the list it bundles rather than asking IAM.

Name=Value arguments are the stack's parameter values, which CloudFormation
hands the transform as well: SAM resolves references to parameters in a
few properties of its own resources before generating theirs. The
template's Conditions, Rules and the !If in properties are left to
CloudFormation, as they are on deployment.
"""

import json
import sys

try:
    import boto3
    from samtranslator.public.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.yaml_helper import yaml_parse
except ImportError as e:
    sys.exit(f"the SAM translator is missing ({e}); install it with: pip install aws-sam-translator (cfn-lint includes it)")

REGION = "us-east-1"

# The translator accepts only S3 locations for code. The code is not what is
# being translated, so local paths become a placeholder, as in cfn-lint.
PLACEHOLDER_CODE = "s3://bucket/key"


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: translate.py TEMPLATE [Name=Value ...]")
    parameter_values = {}
    for arg in sys.argv[2:]:
        name, sep, value = arg.partition("=")
        if not sep or not name:
            sys.exit(f"translate.py: want Name=Value, got {arg!r}")
        parameter_values[name] = value
    with open(sys.argv[1], encoding="utf-8") as f:
        template = yaml_parse(f.read())

    globals_function = template.get("Globals", {}).get("Function", {})
    if "CodeUri" in globals_function:
        globals_function["CodeUri"] = PLACEHOLDER_CODE
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            properties = resource.setdefault("Properties", {})
            if "CodeUri" in properties or "CodeUri" not in globals_function:
                properties["CodeUri"] = PLACEHOLDER_CODE

    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=boto3.session.Session(region_name=REGION),
    )
    try:
        translated = translator.translate(template, parameter_values=parameter_values)
    except InvalidDocumentException as e:
        sys.exit("\n".join(cause.message for cause in e.causes))
    json.dump(translated, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
