// Command pulumi-resource-random is a small native stand-in for the random provider.
//
// The real provider (github.com/pulumi/pulumi-random/provider/v4) is not served
// by the Go module proxy reachable here at any version, and its bridged
// Terraform provider and Pulumi's terraform-plugin-sdk fork are not served
// either, so it cannot be built from modules. This plugin implements the two
// resources the project can use, with the wire contract of pulumi_random 4.x:
//
//   - random:index/randomPassword:RandomPassword (outputs result and bcryptHash)
//   - random:index/randomString:RandomString     (outputs result)
//
// Inputs and defaults follow the Terraform random provider: length (required),
// upper/lower/numeric/special (default true, `number` is the deprecated alias
// of numeric), minUpper/minLower/minNumeric/minSpecial (default 0),
// overrideSpecial, keepers. Every input change replaces the resource, as
// upstream. Other random resources are rejected with a clear error.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	sdkprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Version is stamped by scripts/toolchain (-ldflags -X main.Version=...).
var Version = "0.0.0-dev"

const (
	passwordType = "random:index/randomPassword:RandomPassword"
	stringType   = "random:index/randomString:RandomString"

	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	// The Terraform random provider's default special set.
	defaultSpecialChars = "!@#$%&*()-_=+[]{}<>:?"
)

var inputKeys = []string{
	"keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper",
	"number", "numeric", "overrideSpecial", "special", "upper",
}

func main() {
	err := sdkprovider.Main("random", func(*sdkprovider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &randomProvider{}, nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}

type randomProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func (p *randomProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (p *randomProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"random","version":%q}`, Version)}, nil
}

func (p *randomProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *randomProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

// Secrets arrive unwrapped (AcceptSecrets=false); the SDK marks result/bcryptHash secret itself.
func (p *randomProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{}, nil
}

func (p *randomProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func checkType(urn string) error {
	t := string(resource.URN(urn).Type())
	if t != passwordType && t != stringType {
		return fmt.Errorf("resource type %s is not implemented by this pulumi-resource-random "+
			"(a LiteMaaS stand-in that supports RandomPassword and RandomString only)", t)
	}
	return nil
}

type spec struct {
	length                                     int
	upper, lower, numeric, special             bool
	minUpper, minLower, minNumeric, minSpecial int
	specialChars                               string
}

func boolField(m map[string]*structpb.Value, key string, def bool) (bool, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return def, false
	}
	b, isBool := v.GetKind().(*structpb.Value_BoolValue)
	if !isBool {
		return def, false
	}
	return b.BoolValue, true
}

func intField(m map[string]*structpb.Value, key string) (int, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return 0, false
	}
	n, isNum := v.GetKind().(*structpb.Value_NumberValue)
	if !isNum {
		return 0, false
	}
	return int(n.NumberValue), true
}

// withDefaults fills the Terraform provider's defaults and returns validation failures.
func withDefaults(in *structpb.Struct) (*structpb.Struct, []*pulumirpc.CheckFailure) {
	out := proto.Clone(in).(*structpb.Struct)
	if out.Fields == nil {
		out.Fields = map[string]*structpb.Value{}
	}
	f := out.Fields
	var failures []*pulumirpc.CheckFailure

	numeric, numericSet := boolField(f, "numeric", true)
	if number, numberSet := boolField(f, "number", true); numberSet && !numericSet {
		numeric = number
	}
	if !isUnknown(f["numeric"]) && !isUnknown(f["number"]) {
		f["numeric"] = structpb.NewBoolValue(numeric)
		f["number"] = structpb.NewBoolValue(numeric)
	}
	for _, key := range []string{"upper", "lower", "special"} {
		if _, set := f[key]; !set {
			f[key] = structpb.NewBoolValue(true)
		}
	}
	for _, key := range []string{"minUpper", "minLower", "minNumeric", "minSpecial"} {
		if _, set := f[key]; !set {
			f[key] = structpb.NewNumberValue(0)
		}
	}
	if isUnknown(f["length"]) {
		return out, nil
	}
	length, ok := intField(f, "length")
	switch {
	case !ok:
		failures = append(failures, &pulumirpc.CheckFailure{Property: "length", Reason: "length is required"})
	case length < 1:
		failures = append(failures, &pulumirpc.CheckFailure{Property: "length", Reason: "length must be at least 1"})
	default:
		minTotal := 0
		for _, key := range []string{"minUpper", "minLower", "minNumeric", "minSpecial"} {
			n, _ := intField(f, key)
			minTotal += n
		}
		if minTotal > length {
			failures = append(failures, &pulumirpc.CheckFailure{
				Property: "length", Reason: "length must be at least the sum of the min* inputs",
			})
		}
	}
	return out, failures
}

const unknownSentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

func isUnknown(v *structpb.Value) bool {
	return v != nil && v.GetStringValue() == unknownSentinel
}

func (p *randomProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	inputs, failures := withDefaults(req.GetNews())
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

func (p *randomProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds := req.GetOldInputs()
	if olds == nil {
		olds = req.GetOlds()
	}
	var replaces []string
	for _, key := range inputKeys {
		oldV, newV := olds.GetFields()[key], req.GetNews().GetFields()[key]
		if (oldV == nil) != (newV == nil) || (oldV != nil && !proto.Equal(oldV, newV)) {
			replaces = append(replaces, key)
		}
	}
	if len(replaces) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{
		Changes:  pulumirpc.DiffResponse_DIFF_SOME,
		Replaces: replaces,
		Diffs:    replaces,
	}, nil
}

func parseSpec(f map[string]*structpb.Value) spec {
	s := spec{specialChars: defaultSpecialChars}
	s.length, _ = intField(f, "length")
	s.upper, _ = boolField(f, "upper", true)
	s.lower, _ = boolField(f, "lower", true)
	s.numeric, _ = boolField(f, "numeric", true)
	s.special, _ = boolField(f, "special", true)
	s.minUpper, _ = intField(f, "minUpper")
	s.minLower, _ = intField(f, "minLower")
	s.minNumeric, _ = intField(f, "minNumeric")
	s.minSpecial, _ = intField(f, "minSpecial")
	if v, ok := f["overrideSpecial"]; ok && v.GetStringValue() != "" {
		s.specialChars = v.GetStringValue()
	}
	return s
}

func randomIndex(n int) (int, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, err
	}
	return int(i.Int64()), nil
}

func pick(chars string, count int, out *[]byte) error {
	for range count {
		i, err := randomIndex(len(chars))
		if err != nil {
			return err
		}
		*out = append(*out, chars[i])
	}
	return nil
}

// generate mirrors the Terraform provider: satisfy each minimum, fill the rest from every enabled set, shuffle.
func generate(s spec) (string, error) {
	var all strings.Builder
	var result []byte
	sets := []struct {
		enabled bool
		chars   string
		min     int
	}{
		{s.upper, upperChars, s.minUpper},
		{s.lower, lowerChars, s.minLower},
		{s.numeric, numericChars, s.minNumeric},
		{s.special, s.specialChars, s.minSpecial},
	}
	for _, set := range sets {
		if !set.enabled || set.chars == "" {
			continue
		}
		all.WriteString(set.chars)
		if err := pick(set.chars, set.min, &result); err != nil {
			return "", err
		}
	}
	if all.Len() == 0 {
		return "", errors.New("at least one of upper, lower, numeric or special must be true")
	}
	if err := pick(all.String(), s.length-len(result), &result); err != nil {
		return "", err
	}
	for i := len(result) - 1; i > 0; i-- {
		j, err := randomIndex(i + 1)
		if err != nil {
			return "", err
		}
		result[i], result[j] = result[j], result[i]
	}
	return string(result), nil
}

func (p *randomProvider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	outputs := proto.Clone(req.GetProperties()).(*structpb.Struct)
	if outputs.Fields == nil {
		outputs.Fields = map[string]*structpb.Value{}
	}
	if req.GetPreview() {
		return &pulumirpc.CreateResponse{Properties: outputs}, nil
	}
	result, err := generate(parseSpec(outputs.Fields))
	if err != nil {
		return nil, err
	}
	outputs.Fields["result"] = structpb.NewStringValue(result)
	id := result
	if resource.URN(req.GetUrn()).Type() == passwordType {
		hash, err := bcrypt.GenerateFromPassword([]byte(result), bcrypt.DefaultCost)
		if err != nil {
			return nil, err
		}
		outputs.Fields["bcryptHash"] = structpb.NewStringValue(string(hash))
		// Upstream uses the fixed id "none" so that the password never appears as an id.
		id = "none"
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: outputs}, nil
}

// Read returns the recorded state: a random value has no remote copy to refresh from.
func (p *randomProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Update is never planned (every input change replaces), so reaching it is a bug.
func (p *randomProvider) Update(context.Context, *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return nil, errors.New("random resources are replaced, never updated")
}

func (p *randomProvider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
