package apigw_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

// lister is one paginated listing: create makes an item and returns its
// id; list returns one page's ids and its nextToken.
type lister struct {
	name   string
	create func(t *testing.T, c *agw.Client, apiID *string, i int) string
	list   func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error)
}

var listers = []lister{
	{"GetRoutes",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			return aws.ToString(must[*agw.CreateRouteOutput](t)(c.CreateRoute(context.Background(), &agw.CreateRouteInput{ApiId: apiID,
				RouteKey: aws.String(fmt.Sprintf("GET /r%d", i))})).RouteId)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetRoutes(context.Background(), &agw.GetRoutesInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.RouteId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetIntegrations",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			return aws.ToString(must[*agw.CreateIntegrationOutput](t)(c.CreateIntegration(context.Background(), &agw.CreateIntegrationInput{ApiId: apiID,
				IntegrationType: types.IntegrationTypeHttpProxy, IntegrationUri: aws.String(fmt.Sprintf("http://example.com/%d", i))})).IntegrationId)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetIntegrations(context.Background(), &agw.GetIntegrationsInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.IntegrationId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetStages",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			name := "s" + strconv.Itoa(i)
			if i == 0 {
				name = "$default"
			}
			return aws.ToString(must[*agw.CreateStageOutput](t)(c.CreateStage(context.Background(), &agw.CreateStageInput{ApiId: apiID,
				StageName: aws.String(name)})).StageName)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetStages(context.Background(), &agw.GetStagesInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.StageName))
			}
			return ids, out.NextToken, nil
		}},
	{"GetDeployments",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			return aws.ToString(must[*agw.CreateDeploymentOutput](t)(c.CreateDeployment(context.Background(), &agw.CreateDeploymentInput{ApiId: apiID,
				Description: aws.String(strconv.Itoa(i))})).DeploymentId)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetDeployments(context.Background(), &agw.GetDeploymentsInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.DeploymentId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetAuthorizers",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			return aws.ToString(must[*agw.CreateAuthorizerOutput](t)(c.CreateAuthorizer(context.Background(), &agw.CreateAuthorizerInput{ApiId: apiID,
				Name: aws.String(fmt.Sprintf("a%d", i)), AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
				JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example"), Audience: []string{"aud"}}})).AuthorizerId)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetAuthorizers(context.Background(), &agw.GetAuthorizersInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.AuthorizerId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetVpcLinks",
		func(t *testing.T, c *agw.Client, _ *string, i int) string {
			return aws.ToString(must[*agw.CreateVpcLinkOutput](t)(c.CreateVpcLink(context.Background(), &agw.CreateVpcLinkInput{
				Name: aws.String(fmt.Sprintf("l%d", i)), SubnetIds: []string{"subnet-1"}})).VpcLinkId)
		},
		func(c *agw.Client, _ *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetVpcLinks(context.Background(), &agw.GetVpcLinksInput{MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.VpcLinkId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetApis",
		func(t *testing.T, c *agw.Client, _ *string, i int) string {
			return aws.ToString(must[*agw.CreateApiOutput](t)(c.CreateApi(context.Background(), &agw.CreateApiInput{
				Name: aws.String(fmt.Sprintf("p%d", i)), ProtocolType: types.ProtocolTypeHttp})).ApiId)
		},
		func(c *agw.Client, _ *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetApis(context.Background(), &agw.GetApisInput{MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.ApiId))
			}
			return ids, out.NextToken, nil
		}},
}

// TestPagination: every Get* listing, over N+1 items, pages with
// maxResults; each item is seen exactly once, in id order, full pages
// carry a nextToken and the last page none; bad maxResults and nextToken
// values are BadRequestException.
func TestPagination(t *testing.T) {
	const pageSize, n = 2, 4 // n+1 = 5 items: pages of 2, 2 and 1
	for _, l := range listers {
		t.Run(l.name, func(t *testing.T) {
			env := apigwtest.Start(t)
			c := env.APIClient()
			ctx := context.Background()
			var apiID *string
			if l.name != "GetApis" && l.name != "GetVpcLinks" {
				apiID = must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("p"), ProtocolType: types.ProtocolTypeHttp})).ApiId
			}
			want := map[string]bool{}
			for i := range n + 1 {
				want[l.create(t, c, apiID, i)] = true
			}
			if len(want) != n+1 {
				t.Fatalf("created %d distinct items, want %d", len(want), n+1)
			}

			seen := map[string]int{}
			var all []string
			var token *string
			pages := 0
			for {
				ids, next, err := l.list(c, apiID, aws.String(strconv.Itoa(pageSize)), token)
				if err != nil {
					t.Fatalf("page %d: %v", pages+1, err)
				}
				pages++
				if len(ids) > pageSize {
					t.Fatalf("page %d has %d items, maxResults %d", pages, len(ids), pageSize)
				}
				for _, id := range ids {
					seen[id]++
				}
				all = append(all, ids...)
				if next == nil {
					break
				}
				if aws.ToString(next) == "" || len(ids) != pageSize {
					t.Fatalf("page %d: %d items, nextToken %q", pages, len(ids), aws.ToString(next))
				}
				if pages > n+1 {
					t.Fatalf("more than %d pages: the nextToken does not advance", n+1)
				}
				token = next
			}
			// Full pages, then the rest: ceil((n+1)/pageSize) pages.
			if wantPages := (n + pageSize) / pageSize; pages != wantPages {
				t.Fatalf("%d pages, want %d", pages, wantPages)
			}
			for id := range want {
				if seen[id] != 1 {
					t.Errorf("%s seen %d times", id, seen[id])
				}
			}
			for id := range seen {
				if !want[id] {
					t.Errorf("listed %s, which was not created", id)
				}
			}
			if !slices.IsSorted(all) {
				t.Errorf("listing not in id order: %v", all)
			}

			// A page as large as the listing has no nextToken, and neither
			// does a listing without maxResults.
			for _, max := range []*string{aws.String(strconv.Itoa(n + 1)), nil} {
				ids, next, err := l.list(c, apiID, max, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(ids) != n+1 || next != nil {
					t.Errorf("maxResults %v: %d items, nextToken %v", aws.ToString(max), len(ids), aws.ToString(next))
				}
			}

			for _, tc := range []struct {
				max, token *string
				want       string
			}{
				{aws.String("2"), aws.String("not a token!"), "nextToken"},
				{aws.String("0"), nil, "maxResults"},
				{aws.String("x"), nil, "maxResults"},
				{aws.String("501"), nil, "maxResults"},
			} {
				_, _, err := l.list(c, apiID, tc.max, tc.token)
				wantCode(t, err, "BadRequestException", tc.want)
			}
		})
	}
}
