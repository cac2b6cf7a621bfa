package awsconfig

// For edited_test.go (package awsconfig_test, since awsconfig/edit imports awsconfig): the
// botocore helpers and the parts of the reader its tests look at.
var (
	AWSCLI      = awsCLI
	BotocoreGet = botocoreGet
	ParseINI    = parseINI
)

func (f *iniFile) Profiles() []string                    { return f.profiles() }
func (f *iniFile) ProfileSection(name string) *section   { return f.profileSection(name) }
func (f *iniFile) KeysOf(s *section) []kv                { return f.keysOf(s) }
func (f *iniFile) Get(s *section, key string) (kv, bool) { return f.get(s, key) }
func (f *iniFile) Value(s *section, key string) string   { return f.value(s, key) }
func (k kv) Key() string                                 { return k.key }
