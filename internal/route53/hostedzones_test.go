package route53_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/portolan/portolan/internal/route53/route53test"
)

// apiError asserts err is the AWS error code with the HTTP status.
func apiError(t testing.TB, err error, code string, status int) *smithy.GenericAPIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("error %v, want %s", err, code)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("%s: HTTP %d, want %d", code, re.HTTPStatusCode(), status)
	}
	return &smithy.GenericAPIError{Code: ae.ErrorCode(), Message: ae.ErrorMessage()}
}

func createZone(t testing.TB, c *route53.Client, name string, vpc string) *route53.CreateHostedZoneOutput {
	t.Helper()
	in := &route53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String("ref-" + name + vpc)}
	if vpc != "" {
		in.VPC = &types.VPC{VPCId: aws.String(vpc), VPCRegion: types.VPCRegionUsEast1}
		in.HostedZoneConfig = &types.HostedZoneConfig{PrivateZone: true, Comment: aws.String("private " + name)}
	}
	out, err := c.CreateHostedZone(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateHostedZone %s: %v", name, err)
	}
	return out
}

func zoneID(out *route53.CreateHostedZoneOutput) string {
	return strings.TrimPrefix(aws.ToString(out.HostedZone.Id), "/hostedzone/")
}

// TestHostedZoneLifecycle: a public and a private zone as AWS creates
// them (SOA and four NS, a delegation set or the VPC, a change), read
// back, listed, renamed in comment, refused when the caller reference is
// reused, and deleted.
func TestHostedZoneLifecycle(t *testing.T) {
	env := route53test.Start(t)
	c := env.Client()
	ctx := context.Background()

	pub := createZone(t, c, "Example.COM", "")
	if !strings.HasPrefix(aws.ToString(pub.HostedZone.Id), "/hostedzone/Z") || aws.ToString(pub.HostedZone.Name) != "example.com." ||
		pub.HostedZone.Config.PrivateZone || aws.ToInt64(pub.HostedZone.ResourceRecordSetCount) != 2 {
		t.Errorf("public zone: %+v", pub.HostedZone)
	}
	if pub.DelegationSet == nil || len(pub.DelegationSet.NameServers) != 4 || pub.VPC != nil {
		t.Errorf("public zone's delegation set %+v, VPC %+v", pub.DelegationSet, pub.VPC)
	}
	if !strings.HasPrefix(aws.ToString(pub.ChangeInfo.Id), "/change/C") || pub.ChangeInfo.Status != types.ChangeStatusInsync || pub.ChangeInfo.SubmittedAt == nil {
		t.Errorf("change %+v", pub.ChangeInfo)
	}
	if want := "https://route53.amazonaws.com/2013-04-01" + aws.ToString(pub.HostedZone.Id); aws.ToString(pub.Location) != want {
		t.Errorf("Location %q, want %q", aws.ToString(pub.Location), want)
	}
	priv := createZone(t, c, "internal.example", "vpc-0abc")
	if !priv.HostedZone.Config.PrivateZone || priv.DelegationSet != nil || aws.ToString(priv.VPC.VPCId) != "vpc-0abc" {
		t.Errorf("private zone: %+v %+v %+v", priv.HostedZone.Config, priv.DelegationSet, priv.VPC)
	}

	got, err := c.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: priv.HostedZone.Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.VPCs) != 1 || aws.ToString(got.VPCs[0].VPCId) != "vpc-0abc" || got.VPCs[0].VPCRegion != types.VPCRegionUsEast1 ||
		aws.ToString(got.HostedZone.Config.Comment) != "private internal.example" {
		t.Errorf("GetHostedZone: %+v %+v", got.HostedZone, got.VPCs)
	}

	_, err = c.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("other.com"), CallerReference: aws.String("ref-Example.COM")})
	apiError(t, err, "HostedZoneAlreadyExists", http.StatusConflict)
	_, err = c.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("bad..com"), CallerReference: aws.String("x")})
	apiError(t, err, "InvalidDomainName", http.StatusBadRequest)
	_, err = c.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("p.example"), CallerReference: aws.String("y"),
		VPC: &types.VPC{VPCId: aws.String("not-a-vpc")}})
	apiError(t, err, "InvalidVPCId", http.StatusBadRequest)
	_, err = c.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("internal.example"), CallerReference: aws.String("z"),
		VPC: &types.VPC{VPCId: aws.String("vpc-0abc"), VPCRegion: types.VPCRegionUsEast1}})
	apiError(t, err, "ConflictingDomainExists", http.StatusBadRequest)
	_, err = c.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String("ZNOSUCHZONE")})
	apiError(t, err, "NoSuchHostedZone", http.StatusNotFound)

	if _, err := c.UpdateHostedZoneComment(ctx, &route53.UpdateHostedZoneCommentInput{Id: pub.HostedZone.Id, Comment: aws.String("renamed")}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListHostedZones(ctx, &route53.ListHostedZonesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.HostedZones) != 2 || list.IsTruncated {
		t.Fatalf("ListHostedZones: %+v", list)
	}
	for _, z := range list.HostedZones {
		if aws.ToString(z.Id) == aws.ToString(pub.HostedZone.Id) && aws.ToString(z.Config.Comment) != "renamed" {
			t.Errorf("comment after UpdateHostedZoneComment: %+v", z.Config)
		}
	}
	count, err := c.GetHostedZoneCount(ctx, &route53.GetHostedZoneCountInput{})
	if err != nil || aws.ToInt64(count.HostedZoneCount) != 2 {
		t.Errorf("GetHostedZoneCount %v %v", count, err)
	}

	del, err := c.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: pub.HostedZone.Id})
	if err != nil {
		t.Fatal(err)
	}
	if del.ChangeInfo.Status != types.ChangeStatusInsync {
		t.Errorf("delete change %+v", del.ChangeInfo)
	}
	_, err = c.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: pub.HostedZone.Id})
	apiError(t, err, "NoSuchHostedZone", http.StatusNotFound)
}
