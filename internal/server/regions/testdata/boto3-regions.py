# boto3 in two regions against one Portolan endpoint: a cluster and a
# namespace made in ap-northeast-1, a cluster in us-east-1, then what each
# region lists (printed as JSON for the Go test to judge).
import json
import os

import boto3

endpoint = os.environ["ENDPOINT"]


def client(service, region):
    return boto3.client(service, region_name=region, endpoint_url=endpoint,
                        aws_access_key_id="test", aws_secret_access_key="test")


tokyo_ecs = client("ecs", "ap-northeast-1")
east_ecs = client("ecs", "us-east-1")
tokyo_ecs.create_cluster(clusterName="boto-tokyo")
east_ecs.create_cluster(clusterName="boto-east")
client("servicediscovery", "ap-northeast-1").create_http_namespace(Name="boto-tokyo.local")

print(json.dumps({
    "clusters": {
        "us-east-1": east_ecs.list_clusters()["clusterArns"],
        "ap-northeast-1": tokyo_ecs.list_clusters()["clusterArns"],
    },
    "namespaces": {
        region: [ns["Arn"] for ns in client("servicediscovery", region).list_namespaces()["Namespaces"]]
        for region in ("us-east-1", "ap-northeast-1")
    },
}))
