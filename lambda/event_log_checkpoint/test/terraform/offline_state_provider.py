"""The terraform-offline stand-in for the AWS provider, able to plan over an existing state.

terraform-offline plans against an empty state only: its stand-in answers neither
UpgradeResourceState nor ReadResource, which Terraform calls for every resource a state holds. This
one adds both, keeping the state as it is (no refresh, no schema upgrade), so that a plan over a
state written by an earlier release shows what Terraform would move, update, create and destroy.
test_upgrade_from_1_0_0.py runs it through a copy of tf-offline (STATE_PROVIDER_BASE names the
original aws_provider.py).
"""

import os
import runpy
import sys

BASE = runpy.run_path(os.environ["STATE_PROVIDER_BASE"], run_name="offline_aws_provider")
pb = BASE["pb"]


class OfflineAwsWithState(BASE["OfflineAws"]):  # type: ignore[misc]
    def UpgradeResourceState(self, request, context):  # noqa: N802 (the plugin protocol's name)
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json))

    def ReadResource(self, request, context):  # noqa: N802
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)


if __name__ == "__main__":
    import tf.provider
    from tf.runner import run_provider

    if os.environ.get("TF_OFFLINE_HOME"):
        os.environ["HOME"] = os.environ["TF_OFFLINE_HOME"]
    tf.provider.ProviderServicer = lambda app: OfflineAwsWithState()
    run_provider(BASE["_Provider"](), sys.argv)
