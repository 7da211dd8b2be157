"""The backend `lambda_targets`: the two Lambda target types of Pants 2.18+, built with pex."""

from lambda_targets import rules as lambda_rules
from lambda_targets.target_types import PythonAwsLambdaFunction, PythonAwsLambdaLayer


def rules():  # type: ignore[no-untyped-def]
    return lambda_rules.rules()


def target_types():  # type: ignore[no-untyped-def]
    return [PythonAwsLambdaFunction, PythonAwsLambdaLayer]
