"""The fields of python_aws_lambda_function and python_aws_lambda_layer that our BUILD files use.

Names, meanings and defaults follow the Pants 2.18+ reference, so the same BUILD file reads
the same under 2.17 with this plugin and under 2.29 without it.
"""

from __future__ import annotations

from pants.backend.awslambda.python.target_types import (
    PythonAwsLambdaHandlerField,
    PythonAwsLambdaIncludeRequirements,
    PythonAwsLambdaRuntime,
)
from pants.backend.python.target_types import PythonResolveField
from pants.backend.python.util_rules.faas import PythonFaaSDependencies
from pants.core.goals.package import OutputPathField
from pants.engine.target import COMMON_TARGET_FIELDS, BoolField, StringField, StringSequenceField, Target


class LambdaArchitectureField(StringField):
    alias = "architecture"
    default = "x86_64"
    valid_choices = ("x86_64", "arm64")
    help = "The instruction set of the Lambda runtime: x86_64 or arm64."

    def platform_machine(self) -> str:
        """The machine name in wheel platform tags: arm64 Lambdas run aarch64 Linux."""
        return "aarch64" if self.value == "arm64" else "x86_64"


class LambdaPexBuildExtraArgsField(StringSequenceField):
    alias = "pex_build_extra_args"
    default = ()
    help = "Extra arguments for the pex build of the artifact, e.g. `--exclude=boto3`."


class LambdaLayerIncludeSourcesField(BoolField):
    alias = "include_sources"
    default = True
    help = "Whether first-party sources go into the layer (False: requirements only)."


class LambdaLayerDependenciesField(PythonFaaSDependencies):
    required = True


class PythonAwsLambdaFunction(Target):
    alias = "python_aws_lambda_function"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        OutputPathField,
        PythonFaaSDependencies,
        PythonAwsLambdaHandlerField,
        PythonAwsLambdaIncludeRequirements,
        PythonAwsLambdaRuntime,
        LambdaArchitectureField,
        LambdaPexBuildExtraArgsField,
        PythonResolveField,
    )
    help = "A Python function as a Lambda zip: the sources at the root, a lambda_function.py shim."


class PythonAwsLambdaLayer(Target):
    alias = "python_aws_lambda_layer"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        OutputPathField,
        LambdaLayerDependenciesField,
        LambdaLayerIncludeSourcesField,
        PythonAwsLambdaIncludeRequirements,
        PythonAwsLambdaRuntime,
        LambdaArchitectureField,
        LambdaPexBuildExtraArgsField,
        PythonResolveField,
    )
    help = "A Lambda layer zip: everything under python/, as Lambda puts /opt/python on sys.path."
