package sts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/iam/iamtest"
)

// BenchmarkVerify is the cost of authenticating one request signed with
// temporary credentials (the session read from the bolt store, then the
// signature) next to one signed with the configured key pair.
func BenchmarkVerify(b *testing.B) {
	e := iamtest.Start(b)
	ctx := context.Background()
	out, err := e.STSClient().GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		b.Fatal(err)
	}
	c := out.Credentials
	v := awsapi.NewVerifier([]awsapi.Credentials{{AccessKeyID: iamtest.AccessKeyID, SecretAccessKey: iamtest.SecretAccessKey}}, nil).WithSessions(e.STS)
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	for _, tc := range []struct {
		name  string
		creds aws.Credentials
	}{
		{"static", aws.Credentials{AccessKeyID: iamtest.AccessKeyID, SecretAccessKey: iamtest.SecretAccessKey}},
		{"session", aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.Endpoint+"/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			if tc.creds.SessionToken != "" {
				r.Header.Set("X-Amz-Security-Token", tc.creds.SessionToken)
			}
			sum := sha256.Sum256([]byte(body))
			if err := v4.NewSigner().SignHTTP(ctx, tc.creds, r, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(r, []byte(body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
