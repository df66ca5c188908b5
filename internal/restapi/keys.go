package restapi

// Store layout. An API's resources, methods and integrations live inside
// its record: they are small (AWS allows 300 resources), always read
// together (a deployment freezes all of them at once), and one record makes
// every change a single compare-and-swap, which is what keeps sibling path
// parts unique without locks. A deployment keeps its frozen config in a
// record of its own so that listing deployments reads no configs.
//
// Every key is keyPrefix + kind + "/" + rest; the view dispatches on kind.
const (
	keyPrefix = "restapi/"

	kindAPI         = "api"         // api/{apiId}: apiRecord
	kindStage       = "stage"       // stage/{apiId}/{stageName}: Stage
	kindDeployment  = "deploy"      // deploy/{apiId}/{deploymentId}: Deployment
	kindConfig      = "deploycfg"   // deploycfg/{apiId}/{deploymentId}: DeploymentConfig
	kindVpcLink     = "vpclink"     // vpclink/{id}: VpcLink
	kindAPIKey      = "apikey"      // apikey/{id}: ApiKey, value included
	kindAPIKeyValue = "apikeyvalue" // apikeyvalue/{sha256 of value}: the key's id
	kindUsagePlan   = "usageplan"   // usageplan/{id}: UsagePlan
	kindPlanKey     = "plankey"     // plankey/{usagePlanId}/{keyId}: planKeyRecord
	kindAccount     = "account"     // account: Account
)

func kindPrefix(kind string) string { return keyPrefix + kind + "/" }

func apiKey(id string) string                { return kindPrefix(kindAPI) + id }
func stagePrefix(apiID string) string        { return kindPrefix(kindStage) + apiID + "/" }
func stageKey(apiID, name string) string     { return stagePrefix(apiID) + name }
func deployPrefix(apiID string) string       { return kindPrefix(kindDeployment) + apiID + "/" }
func deployKey(apiID, id string) string      { return deployPrefix(apiID) + id }
func deployCfgPrefix(apiID string) string    { return kindPrefix(kindConfig) + apiID + "/" }
func deployCfgKey(apiID, id string) string   { return deployCfgPrefix(apiID) + id }
func vpcLinkKey(id string) string            { return kindPrefix(kindVpcLink) + id }
func apiKeyKey(id string) string             { return kindPrefix(kindAPIKey) + id }
func usagePlanKey(id string) string          { return kindPrefix(kindUsagePlan) + id }
func planKeysPrefix(planID string) string    { return kindPrefix(kindPlanKey) + planID + "/" }
func planKeyKey(planID, keyID string) string { return planKeysPrefix(planID) + keyID }
func accountStoreKey() string                { return keyPrefix + kindAccount }
