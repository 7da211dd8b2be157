"""`package` for the two Lambda targets: a pex repository of the target's closure, then a zip.

The zip is pex's flat-zipped venv layout (files at the zip root; under python/ for a layer),
resolved for the Lambda platform (platform.py): CPython of the runtime's version on Linux of the
target's architecture, manylinux wheels up to `[python].resolver_manylinux`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.awslambda.python.target_types import (
    PythonAwsLambdaHandlerField,
    PythonAwsLambdaIncludeRequirements,
    PythonAwsLambdaRuntime,
)
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PexLayout
from pants.backend.python.util_rules import pex_cli
from pants.backend.python.util_rules.faas import (
    ResolvedPythonFaaSHandler,
    ResolvePythonFaaSHandlerRequest,
)
from pants.backend.python.util_rules.faas import rules as faas_rules
from pants.backend.python.util_rules.pex import CompletePlatforms, Pex
from pants.backend.python.util_rules.pex_cli import PexCliProcess
from pants.backend.python.util_rules.pex_from_targets import PexFromTargetsRequest
from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, OutputPathField, PackageFieldSet
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.process import ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import InvalidFieldException
from pants.engine.unions import UnionRule

from lambda_targets.platform import complete_platform
from lambda_targets.target_types import (
    LambdaArchitectureField,
    LambdaLayerDependenciesField,
    LambdaLayerIncludeSourcesField,
    LambdaPexBuildExtraArgsField,
)

# Pants 2.18+ writes this module at the function zip's root, re-exporting the handler as
# `lambda_function.handler`; the dotted handler path works as well.
SHIM_MODULE = "lambda_function"


@dataclass(frozen=True)
class LambdaFunctionFieldSet(PackageFieldSet):
    required_fields = (PythonAwsLambdaHandlerField, LambdaArchitectureField)

    handler: PythonAwsLambdaHandlerField
    include_requirements: PythonAwsLambdaIncludeRequirements
    runtime: PythonAwsLambdaRuntime
    architecture: LambdaArchitectureField
    extra_args: LambdaPexBuildExtraArgsField
    output_path: OutputPathField


@dataclass(frozen=True)
class LambdaLayerFieldSet(PackageFieldSet):
    required_fields = (LambdaLayerDependenciesField, LambdaLayerIncludeSourcesField)

    include_sources: LambdaLayerIncludeSourcesField
    include_requirements: PythonAwsLambdaIncludeRequirements
    runtime: PythonAwsLambdaRuntime
    architecture: LambdaArchitectureField
    extra_args: LambdaPexBuildExtraArgsField
    output_path: OutputPathField


@dataclass(frozen=True)
class LambdaZipRequest:
    """What both targets share: the closure of `address`, laid out for Lambda in one zip."""

    address: Address
    runtime: PythonAwsLambdaRuntime
    architecture: LambdaArchitectureField
    include_sources: bool
    include_requirements: bool
    extra_args: tuple[str, ...]
    output_path: OutputPathField
    prefix: str | None
    shim: FileContent | None


def platform_file(
    runtime: PythonAwsLambdaRuntime, architecture: LambdaArchitectureField, manylinux: str | None
) -> FileContent:
    """The complete platform of a Lambda runtime, e.g. python3.12 on arm64: CPython 3.12, Linux aarch64."""
    version = runtime.to_interpreter_version()
    if version is None:
        raise InvalidFieldException(f"{runtime.address}: `runtime` is required (e.g. python3.12)")
    machine = architecture.platform_machine()
    content = complete_platform(version, machine, manylinux or "")
    return FileContent(f"__lambda_platform_{runtime.value}_{machine}.json", content)


@rule(desc="Build a Lambda zip")
async def build_lambda_zip(request: LambdaZipRequest, python_setup: PythonSetup) -> BuiltPackage:
    platform = platform_file(request.runtime, request.architecture, python_setup.manylinux)
    platform_digest = await Get(Digest, CreateDigest([platform]))
    platforms = CompletePlatforms([platform.path], digest=platform_digest)
    shim = await Get(Digest, CreateDigest([request.shim])) if request.shim else None
    repository = await Get(
        Pex,
        PexFromTargetsRequest(
            [request.address],
            output_filename="lambda_repository.pex",
            internal_only=False,
            layout=PexLayout.PACKED,
            complete_platforms=platforms,
            include_source_files=request.include_sources,
            include_requirements=request.include_requirements,
            additional_args=request.extra_args,
            additional_sources=shim,
            warn_for_transitive_files_targets=True,
        ),
    )
    output = request.output_path.value_or_default(file_ending="zip")
    prefix = (f"--prefix={request.prefix}",) if request.prefix else ()
    inputs = await Get(Digest, MergeDigests([repository.digest, platform_digest]))
    zipped = await Get(
        ProcessResult,
        PexCliProcess(
            subcommand=("venv", "create"),
            extra_args=(
                f"--dest-dir={output[: -len('.zip')]}",
                f"--pex-repository={repository.name}",
                "--layout=flat-zipped",
                *prefix,
                *platforms.generate_pex_arg_list(),
            ),
            additional_input_digest=inputs,
            output_files=(output,),
            description=f"Zip {request.address} for Lambda ({platform.path})",
        ),
    )
    artifact = BuiltPackageArtifact(output, (f"    Platform: {request.runtime.value} {request.architecture.value}",))
    return BuiltPackage(zipped.output_digest, (artifact,))


@rule(desc="Package a python_aws_lambda_function")
async def package_lambda_function(field_set: LambdaFunctionFieldSet) -> BuiltPackage:
    handler = await Get(ResolvedPythonFaaSHandler, ResolvePythonFaaSHandlerRequest(field_set.handler))
    shim = FileContent(f"{SHIM_MODULE}.py", f"from {handler.module} import {handler.func} as handler\n".encode())
    return await Get(
        BuiltPackage,
        LambdaZipRequest(
            address=field_set.address,
            runtime=field_set.runtime,
            architecture=field_set.architecture,
            include_sources=True,
            include_requirements=field_set.include_requirements.value,
            extra_args=tuple(field_set.extra_args.value or ()),
            output_path=field_set.output_path,
            prefix=None,
            shim=shim,
        ),
    )


@rule(desc="Package a python_aws_lambda_layer")
async def package_lambda_layer(field_set: LambdaLayerFieldSet) -> BuiltPackage:
    return await Get(
        BuiltPackage,
        LambdaZipRequest(
            address=field_set.address,
            runtime=field_set.runtime,
            architecture=field_set.architecture,
            include_sources=bool(field_set.include_sources.value),
            include_requirements=field_set.include_requirements.value,
            extra_args=tuple(field_set.extra_args.value or ()),
            output_path=field_set.output_path,
            prefix="python",
            shim=None,
        ),
    )


def rules():  # type: ignore[no-untyped-def]
    return [
        *collect_rules(),
        *faas_rules(),
        *pex_cli.rules(),
        UnionRule(PackageFieldSet, LambdaFunctionFieldSet),
        UnionRule(PackageFieldSet, LambdaLayerFieldSet),
    ]
