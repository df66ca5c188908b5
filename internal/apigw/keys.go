package apigw

// Store layout. An API's routes, integrations and authorizers live inside
// its record: they are small, always read together (deployments snapshot
// all of them at once), and one record makes every config change a single
// compare-and-swap, which is what keeps route keys unique and auto-deploys
// consistent without locks.
const (
	keyPrefix     = "apigw/"
	apiPrefix     = keyPrefix + "api/"
	vpcLinkPrefix = keyPrefix + "vpclink/"
	domainPrefix  = keyPrefix + "domain/"
)

func apiKey(id string) string              { return apiPrefix + id }
func stagePrefix(apiID string) string      { return keyPrefix + "stage/" + apiID + "/" }
func stageKey(apiID, name string) string   { return stagePrefix(apiID) + name }
func deployPrefix(apiID string) string     { return keyPrefix + "deploy/" + apiID + "/" }
func deployKey(apiID, id string) string    { return deployPrefix(apiID) + id }
func deployCfgPrefix(apiID string) string  { return keyPrefix + "deploycfg/" + apiID + "/" }
func deployCfgKey(apiID, id string) string { return deployCfgPrefix(apiID) + id }
func vpcLinkKey(id string) string          { return vpcLinkPrefix + id }
func domainKey(name string) string         { return domainPrefix + name }
