"""Broken profiles files and the exact problems they must produce (FILE:LINE:COL: path: message)."""

HEAD = "version: 1\nprofiles:\n  prod:\n"
GOOD = "    tenant: contoso.onmicrosoft.com\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
SECRET = "    credential: {type: client_secret, secret: s3cret-value}\n"

NOT_APP_ONLY = (
    "is not an app-only scope: app-only sign-in asks for RESOURCE/.default, and the token carries the application "
    "permissions (roles) granted to the app"
)
NAME_THE_RESOURCE = (
    "name the resource (its application id or URI) then /.default, such as 'https://graph.microsoft.com/.default'"
)

CASES: list[tuple[str, str, list[str]]] = [
    (
        "yaml-tab",
        HEAD + "\ttenant: x\n",
        ["4:1: YAML syntax error: a tab character; YAML does not allow tabs for indentation"],
    ),
    (
        "yaml-unclosed-flow",
        HEAD + GOOD + "    tags: [a, b\n",
        ["7:1: YAML syntax error: did not find expected ',' or ']'"],
    ),
    (
        "duplicate-key",
        HEAD + GOOD + SECRET + "    tenant: fabrikam.onmicrosoft.com\n",
        ["7:5: profiles.prod.tenant: duplicate key 'tenant' (first defined at line 4)"],
    ),
    (
        "unknown-top-level-key",
        "version: 1\nprofile:\n  prod: {}\n",
        ["2:1: profile: unknown key 'profile'"],
    ),
    (
        "unknown-profile-key",
        HEAD + GOOD + SECRET + "    tenent: x\n",
        ["7:5: profiles.prod.tenent: unknown key 'tenent'"],
    ),
    (
        "wrong-type-tags",
        HEAD + GOOD + SECRET + "    tags: prod\n",
        ["7:11: profiles.prod.tags: expected a list, got 'prod'"],
    ),
    (
        "bad-guid",
        HEAD + "    tenant: contoso.onmicrosoft.com\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3\n" + SECRET,
        [
            "5:16: profiles.prod.client_id: '0b9f4a52-6c1d-4e8f-a2b3' is not a GUID "
            "(expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        ],
    ),
    (
        "bad-tenant",
        HEAD + "    tenant: contoso\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n" + SECRET,
        ["4:13: profiles.prod.tenant: 'contoso' is neither a tenant id (GUID) nor a domain name"],
    ),
    (
        "multi-tenant-authority",
        HEAD + "    tenant: common\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n" + SECRET,
        ["4:13: profiles.prod.tenant: 'common' cannot be used for app-only sign-in; give the tenant's id or domain"],
    ),
    (
        "thumbprint-short",
        HEAD
        + GOOD
        + "    credential:\n      type: certificate\n"
        + "      thumbprint: 'AB CD EF 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF 0'\n",
        [
            "8:19: profiles.prod.credential.thumbprint: a thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits; "
            "this one has 39 digits after removing spaces, colons and invisible marks"
        ],
    ),
    (
        "thumbprint-not-hex",
        HEAD + GOOD + "    credential: {type: certificate, thumbprint: ZZ2A3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D}\n",
        [
            "6:49: profiles.prod.credential.thumbprint: a thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits; "
            "this one contains 'Z' after removing spaces, colons and invisible marks"
        ],
    ),
    (
        "two-certificate-selectors",
        HEAD + GOOD + "    credential: {type: certificate, subject: CN=app, path: app.pem}\n",
        [
            "6:17: profiles.prod.credential: a certificate needs exactly one of thumbprint, subject, path, "
            "keyvault; got subject and path"
        ],
    ),
    (
        "no-certificate-selector",
        HEAD + GOOD + "    credential: {type: certificate, send_certificate_chain: true}\n",
        [
            "6:17: profiles.prod.credential: a certificate needs exactly one of thumbprint, subject, path, "
            "keyvault; got none"
        ],
    ),
    (
        "unknown-cloud",
        HEAD + GOOD + SECRET + "    cloud: AzureChinaCloud\n",
        ["7:12: profiles.prod.cloud: unknown cloud 'AzureChinaCloud'"],
    ),
    (
        "a-long-unknown-cloud-is-clipped",
        HEAD + GOOD + SECRET + "    cloud: " + "A" * 5000 + "\n",
        ["7:12: profiles.prod.cloud: unknown cloud '" + "A" * 100 + "…'"],
    ),
    (
        "nested-references",
        HEAD + GOOD + '    credential: {type: client_secret, secret: "${keyvault:${env:KVURL}}"}\n',
        [
            "6:47: profiles.prod.credential.secret: a reference inside a reference ('${keyvault:${env:KVURL}…') is not "
            "supported"
        ],
    ),
    (
        "extends-cycle",
        "version: 1\nprofiles:\n  a:\n    extends: b\n  b:\n    extends: a\n",
        ["4:14: profiles.a.extends: extends cycle: a → b → a", "6:14: profiles.b.extends: extends cycle: b → a → b"],
    ),
    (
        "extends-unknown",
        "version: 1\ntemplates:\n  base: {tenant: contoso.onmicrosoft.com}\nprofiles:\n  a:\n    extends: bsae\n",
        ["6:14: profiles.a.extends: extends unknown template or profile 'bsae'"],
    ),
    (
        "env-unset",
        HEAD + GOOD + "    credential: {type: client_secret, secret: '${env:PROD_SECRET}'}\n",
        ["6:47: profiles.prod.credential.secret: environment variable PROD_SECRET is not set"],
    ),
    (
        "file-missing",
        HEAD + GOOD + "    credential: {type: client_secret, secret: '${file:secrets/prod.txt}'}\n",
        ["6:47: profiles.prod.credential.secret: file secrets/prod.txt not found (looked for {dir}/secrets/prod.txt)"],
    ),
    (
        "keyvault-http",
        HEAD
        + GOOD
        + "    credential: {type: client_secret, secret: '${keyvault:http://v.vault.azure.net/secrets/s}'}\n",
        [
            "6:47: profiles.prod.credential.secret: Key Vault secret URI 'http://v.vault.azure.net/secrets/s' "
            "must start with https://"
        ],
    ),
    (
        "keyvault-app-service-incomplete",
        HEAD + GOOD + SECRET + "    description: '@Microsoft.KeyVault(VaultName=ops)'\n",
        [
            "7:18: profiles.prod.description: malformed Key Vault reference "
            "'@Microsoft.KeyVault(VaultName=ops)': needs SecretUri, or VaultName and SecretName"
        ],
    ),
    (
        "keyvault-bad-version",
        HEAD
        + GOOD
        + "    credential: {type: client_secret, secret: '${keyvault:https://v.vault.azure.net/secrets/s/v1}'}\n",
        ["6:47: profiles.prod.credential.secret: 'v1' is not a Key Vault secret version (32 hex digits)"],
    ),
    (
        "unknown-group-member",
        HEAD + GOOD + SECRET + "groups:\n  nightly: [prod, prdo]\n",
        ["8:19: groups.nightly[1]: unknown group member 'prdo'"],
    ),
    (
        "unknown-credential-type",
        HEAD + GOOD + "    credential: {type: secret, secret: x}\n",
        ["6:17: profiles.prod.credential: unknown credential type 'secret'"],
    ),
    (
        "credential-without-type",
        HEAD + GOOD + "    credential: {secret: x}\n",
        ["6:17: profiles.prod.credential: the credential needs a 'type'"],
    ),
    (
        "client-id-missing",
        HEAD + "    tenant: contoso.onmicrosoft.com\n" + SECRET,
        ["4:5: profiles.prod: client_id is required for a client_secret credential"],
    ),
    (
        "version-2",
        "version: 2\nprofiles: {}\n",
        ["1:10: version: expected 1, got the number 2"],
    ),
    (
        "version-missing",
        "profiles: {}\n",
        ["1:1: version: required field missing"],
    ),
    (
        "managed-identity-two-ids",
        "version: 1\nprofiles:\n  mi:\n    tenant: contoso.onmicrosoft.com\n"
        "    credential: {type: managed_identity, client_id: 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d,"
        " object_id: 2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e}\n",
        [
            "5:17: profiles.mi.credential: a managed identity takes one of client_id, object_id, resource_id; "
            "got client_id and object_id"
        ],
    ),
    (
        "workload-identity-two-sources",
        HEAD + GOOD + "    credential: {type: workload_identity, github: true, token_file: /var/run/token}\n",
        [
            "6:17: profiles.prod.credential: workload identity needs exactly one of token_file, github: true, "
            "azure_pipelines: true; got token_file and github"
        ],
    ),
    (
        "custom-cloud-http",
        "version: 1\nclouds:\n  lab:\n    authority_host: http://login.lab.example\n"
        "    graph_endpoint: https://graph.lab.example\n    keyvault_suffix: vault.lab.example\n",
        ["4:21: clouds.lab.authority_host: 'http://login.lab.example' is not an https:// URL"],
    ),
    (
        "unknown-reference-scheme",
        HEAD + GOOD + SECRET + "    description: '${evn:PROD_SECRET}'\n",
        ["7:18: profiles.prod.description: unknown reference '${evn:PROD_SECRET}'"],
    ),
    (
        "unterminated-reference",
        HEAD + GOOD + SECRET + "    description: 'pre${env:PROD_SECRET'\n",
        ["7:18: profiles.prod.description: unterminated reference '${env:PROD_SECRET'"],
    ),
    (
        "malformed-reference-in-a-secret-is-not-echoed",
        HEAD + GOOD + "    credential: {type: client_secret, secret: 'hunter2${env:X'}\n",
        [
            "6:47: profiles.prod.credential.secret: this value holds a malformed reference "
            "(the value is not shown: it may be a secret)"
        ],
    ),
    (
        "billion-laughs",
        "version: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        ["2:14: f[0][6][8][9][0][2]: aliases expand to more than 200000 values: the file is not checked"],
    ),
    (
        "profile-bad-name",
        "version: 1\nprofiles:\n  prod env:\n" + GOOD + SECRET,
        ["3:3: profiles.prod env: 'prod env' is not a valid name"],
    ),
    (
        "secret-not-text-is-not-echoed",
        HEAD + GOOD + "    credential: {type: client_secret, secret: 12345678}\n",
        ["6:47: profiles.prod.credential.secret: expected text, got '<hidden>'"],
    ),
    (
        "reserved-name",
        "version: 1\nprofiles:\n  all:\n" + GOOD + SECRET,
        ["3:3: profiles.all: 'all' is reserved"],
    ),
    (
        "extends-wrong-type-of-credential-key",
        "version: 1\ntemplates:\n  cert:\n    credential: {type: certificate, stores: [certs]}\n"
        "profiles:\n  prod:\n    extends: cert\n" + GOOD + "    credential: {thumbprint: abc}\n",
        [
            "10:30: profiles.prod.credential.thumbprint: a thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits; "
            "this one has 3 digits after removing spaces, colons and invisible marks"
        ],
    ),
]
CASES.append(
    (
        "keyvault-reference-in-a-list",
        HEAD + GOOD + SECRET + "    scopes: ['${keyvault:https://v.vault.azure.net/secrets/scope}']\n",
        ["7:14: profiles.prod.scopes[0]: Key Vault references are not allowed in lists"],
    )
)
CASES += [
    (
        "misspelt-required-key-is-one-problem-and-all-are-reported-at-once",
        HEAD + "    tenent: contoso.onmicrosoft.com\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
        "    cloud: AzureUSGovernment\n" + SECRET,
        [
            "4:5: profiles.prod.tenent: unknown key 'tenent'",
            "6:12: profiles.prod.cloud: unknown cloud 'AzureUSGovernment'",
        ],
    ),
    (
        "managed-identity-with-an-inherited-client-id",
        "version: 1\ndefaults:\n  client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\nprofiles:\n  mi:\n"
        "    tenant: contoso.onmicrosoft.com\n    credential: {type: managed_identity}\n",
        [
            "3:14: defaults.client_id: client_id is not used with a managed_identity credential "
            "(it would sign in as the system-assigned one)"
        ],
    ),
    (
        "credential-key-named-like-its-type",
        HEAD + GOOD + "    credential: {type: client_secret, client_secret: s3cret-value}\n",
        ["6:39: profiles.prod.credential.client_secret: unknown key 'client_secret'"],
    ),
    (
        "extends-item-not-text",
        HEAD + GOOD + SECRET + "    extends: [1]\n",
        ["7:15: profiles.prod.extends[0]: expected text, got the number 1"],
    ),
]
CASES.append(
    (
        "group-cycle-through-three-groups",
        HEAD + GOOD + SECRET + "groups:\n  g2: [prod, g3]\n  g3: [g4]\n  g4: [g2]\n  g5: [g2]\n",
        ["8:14: groups.g2[1]: group cycle: g2 → g3 → g4 → g2"],
    )
)
CASES += [
    (
        "tagged-secret-is-not-echoed",
        HEAD + GOOD + "    credential: {type: client_secret, secret: !!int s3cret-value}\n",
        ["6:47: profiles.prod.credential.secret: this value cannot be read as !!int"],
    ),
    (
        "unsupported-tag",
        HEAD + GOOD + SECRET + "    description: !vault x\n",
        ["7:18: profiles.prod.description: the YAML tag !vault is not supported"],
    ),
    (
        "dates-are-text",
        HEAD + GOOD + SECRET + "    description: 2024-02-30\n    tags: [2024-02-03]\n    cloud: 2024-01-01\n",
        ["9:12: profiles.prod.cloud: unknown cloud '2024-01-01'"],
    ),
]
CASES += [
    (
        "scopes-app-only",
        HEAD + GOOD + SECRET + "    scopes: [https://graph.microsoft.com]\n",
        [
            "7:14: profiles.prod.scopes[0]: 'https://graph.microsoft.com' "
            + NOT_APP_ONLY
            + "\n  hint: ask for 'https://graph.microsoft.com/.default'"
        ],
    ),
    (
        "azure-pipelines-without-service-connection",
        HEAD + GOOD + "    credential: {type: workload_identity, azure_pipelines: true}\n",
        [
            "6:17: profiles.prod.credential: azure_pipelines: true needs service_connection_id, the id of the Azure "
            "Resource Manager service connection whose federated credential the pipeline uses"
        ],
    ),
    (
        "keyvault-reader-unknown-and-cyclic",
        "version: 1\nkeyvault_credential: profile:bootstrp\nprofiles:\n  bootstrap:\n"
        + GOOD
        + SECRET
        + "  a:\n"
        + GOOD
        + "    credential: {type: client_secret, secret: '${keyvault:https://v.vault.azure.net/secrets/a}'}\n"
        "  b:\n" + GOOD + "    keyvault_credential: profile:c\n"
        "    credential: {type: client_secret, secret: '${keyvault:https://v.vault.azure.net/secrets/b}'}\n"
        "  c:\n" + GOOD + "    keyvault_credential: profile:b\n"
        "    credential: {type: client_secret, secret: '${keyvault:https://v.vault.azure.net/secrets/c}'}\n",
        [
            "2:22: keyvault_credential: keyvault_credential names no profile 'bootstrp'",
            "15:26: profiles.b.keyvault_credential: keyvault_credential cycle: profile:b → profile:c → profile:b",
            "20:26: profiles.c.keyvault_credential: keyvault_credential cycle: profile:c → profile:b → profile:c",
        ],
    ),
]
CASES.append(
    (
        "custom-cloud-ca-bundle-is-a-folder",
        "version: 1\nclouds:\n  lab:\n    authority_host: https://login.lab.example\n"
        "    graph_endpoint: https://graph.lab.example\n    keyvault_suffix: vault.lab.example\n    ca_bundle: .\n",
        ["7:16: clouds.lab.ca_bundle: CA bundle . is a folder, not a file of PEM certificates (looked for {dir})"],
    )
)

# Issue #9 (the loader never crashes, never hangs) and #13 (every YAML problem at once). From here on
# each expected problem carries its hint. Every case runs in a folder that also holds a named pipe `pipe`.
DEEP_LISTS = "[" * 40 + "x" + "]" * 40
CASES += [
    (
        "alias-inside-its-own-anchor",
        "version: 1\nprofiles:\n  prod: &p\n" + GOOD + SECRET + "    tags: *p\n",
        [
            "7:11: profiles.prod.tags: alias *p is used inside its own anchor &p (a value that contains itself)"
            "\n  hint: refer to the anchor from outside it, or use templates and extends"
        ],
    ),
    (
        "merge-key-of-its-own-anchor",
        "version: 1\nprofiles:\n  prod: &p\n    <<: *p\n" + GOOD + SECRET,
        [
            "4:9: profiles.prod: alias *p is used inside its own anchor &p (a value that contains itself)"
            "\n  hint: refer to the anchor from outside it, or use templates and extends"
        ],
    ),
    (
        "lists-nested-40-deep",
        HEAD + GOOD + SECRET + "    tags: " + DEEP_LISTS + "\n",
        [
            "7:40: profiles.prod.tags" + "[0]" * 29 + ": values are nested more than 32 levels deep"
            "\n  hint: a profiles file needs a few levels: profiles, a profile, its credential",
        ],
    ),
    (
        "mappings-nested-600-deep",
        HEAD + GOOD + SECRET + "    description: " + "{a: " * 600 + "x" + "}" * 600 + "\n",
        [
            "7:134: profiles.prod.description" + ".a" * 29 + ": values are nested more than 32 levels deep"
            "\n  hint: a profiles file needs a few levels: profiles, a profile, its credential",
        ],
    ),
    (
        "mappings-nested-beyond-the-parser",
        HEAD + GOOD + SECRET + "    description: " + "{a: " * 1100 + "x" + "}" * 1100 + "\n",
        [
            "7:134: profiles.prod.description" + ".a" * 29 + ": values are nested more than 32 levels deep",
            "7:4006: YAML syntax error: exceeded maximum nesting depth"
            "\n  hint: a profiles file needs a few levels: profiles, a profile, its credential",
        ],
    ),
    (
        "bool-tag-on-a-word",
        HEAD + GOOD + SECRET + "    probe: !!bool maybe\n",
        [
            "7:12: profiles.prod.probe: this value cannot be read as !!bool"
            "\n  hint: quote it to keep it as text, or correct it"
        ],
    ),
    (
        "tenant-null-in-a-template",
        "version: 1\ntemplates:\n  base:\n    tenant: null\n"
        "    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\nprofiles:\n  prod:\n    extends: base\n" + SECRET,
        ["4:13: templates.base.tenant: expected text, got nothing (null)"],
    ),
    (
        "tenant-null-in-a-profile",
        HEAD + "    tenant: null\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n" + SECRET,
        ["4:13: profiles.prod.tenant: expected text, got nothing (null)"],
    ),
    (
        "vault-host-that-nfkc-changes",
        HEAD
        + GOOD
        + "    credential: {type: client_secret, secret: '${keyvault:https://ops\uff03x.vault.azure.net/secrets/s}'}\n",
        [
            "6:47: profiles.prod.credential.secret: Key Vault secret URI "
            "'https://ops\uff03x.vault.azure.net/secrets/s' is not in canonical form: it holds the character U+FF03 "
            "(only printable ASCII, no spaces)"
            "\n  hint: write https://VAULT.vault.azure.net/secrets/NAME or …/secrets/NAME/VERSION"
        ],
    ),
    (
        "file-reference-to-a-device",
        HEAD + GOOD + "    credential: {type: client_secret, secret: '${file:/dev/zero}'}\n",
        [
            "6:47: profiles.prod.credential.secret: /dev/zero is a device, not a regular file"
            "\n  hint: reference a file of text: pipes, devices and sockets are not read"
        ],
    ),
    (
        "file-reference-to-a-named-pipe",
        HEAD + GOOD + "    credential: {type: client_secret, secret: '${file:pipe}'}\n",
        [
            "6:47: profiles.prod.credential.secret: pipe is a named pipe (FIFO), not a regular file"
            "\n  hint: reference a file of text: pipes, devices and sockets are not read"
        ],
    ),
    (
        "tag-on-a-mapping",
        HEAD + GOOD + "    credential: !!set {type: client_secret, secret: s3cret-value}\n",
        [
            "6:17: profiles.prod.credential: the YAML tag !!set is not supported"
            "\n  hint: remove it: values are text, numbers, true/false, lists and mappings"
        ],
    ),
    (
        "tag-on-a-sequence",
        HEAD + GOOD + SECRET + "    tags: !!omap [a, b]\n",
        [
            "7:11: profiles.prod.tags: the YAML tag !!omap is not supported"
            "\n  hint: remove it: values are text, numbers, true/false, lists and mappings"
        ],
    ),
    (
        "python-object-tag-is-refused-not-read-as-a-list",
        HEAD + GOOD + SECRET + "    description: !!python/object/apply:os.system [id]\n",
        [
            "7:18: profiles.prod.description: the YAML tag !!python/object/apply:os.system is not supported"
            "\n  hint: remove it: values are text, numbers, true/false, lists and mappings"
        ],
    ),
    (
        "every-yaml-problem-at-once",
        HEAD + GOOD + SECRET + "    tenant: fabrikam.onmicrosoft.com\n    description: !vault x\n    tags: !!set {a}\n"
        "    probe: !!bool perhaps\n    cloud: AzureCloud\n",
        [
            "7:5: profiles.prod.tenant: duplicate key 'tenant' (first defined at line 4)"
            "\n  hint: remove one of them; YAML would silently keep only the last",
            "8:18: profiles.prod.description: the YAML tag !vault is not supported"
            "\n  hint: remove it: values are text, numbers, true/false, lists and mappings",
            "9:11: profiles.prod.tags: the YAML tag !!set is not supported"
            "\n  hint: remove it: values are text, numbers, true/false, lists and mappings",
            "10:12: profiles.prod.probe: this value cannot be read as !!bool"
            "\n  hint: quote it to keep it as text, or correct it",
            "11:12: profiles.prod.cloud: unknown cloud 'AzureCloud'",
        ],
    ),
    (
        "control-characters-are-located",
        HEAD + GOOD + SECRET + "    description: a\x00b\n    tags: [\x1b[31m]\n",
        [
            "7:19: the control character U+0000 is not allowed in YAML\n  hint: remove it: a YAML file holds "
            "printable characters, tabs and line breaks (write \\x01 in double quotes)",
            "8:12: the control character U+001B is not allowed in YAML",
        ],
    ),
    (
        "bytes-that-are-not-utf8-are-located",
        (HEAD + GOOD + SECRET + "    description: caf\xe9\n").encode("latin-1"),
        ["7:21: byte 0xE9 is not UTF-8 text\n  hint: save the file as UTF-8"],
    ),
    (
        "utf16-file",
        "version: 1\n".encode("utf-16"),
        [
            "1:1: byte 0xFF is not UTF-8 text\n  hint: save the file as UTF-8 (it looks like UTF-16)",
            "1:2: byte 0xFE is not UTF-8 text",
        ],
    ),
    (
        "value-with-line-breaks-stays-on-one-line",
        HEAD + GOOD + SECRET + '    cloud: "Azure\\nUSGovernment\\u202e"\n',
        ["7:12: profiles.prod.cloud: unknown cloud 'Azure\\nUSGovernment\\u202e'"],
    ),
    (
        "a-second-document",
        HEAD + GOOD + SECRET + "---\nversion: 1\n",
        [
            "7:1: a second YAML document: a profiles file holds one"
            "\n  hint: remove this document, or the --- line that starts it"
        ],
    ),
    (
        "alias-to-no-anchor",
        HEAD + GOOD + SECRET + "    tags: *tags\n",
        [
            "7:11: profiles.prod.tags: alias *tags refers to no anchor &tags defined before it"
            "\n  hint: define the anchor first"
        ],
    ),
]
CASES += [  # issue #13: scope hints that are right (app-only scopes are RESOURCE/.default)
    (
        "scope-a-delegated-graph-permission",
        HEAD + GOOD + SECRET + "    scopes: [https://graph.microsoft.com/User.Read]\n",
        [
            "7:14: profiles.prod.scopes[0]: 'https://graph.microsoft.com/User.Read' "
            + NOT_APP_ONLY
            + "\n  hint: ask for 'https://graph.microsoft.com/.default'"
        ],
    ),
    (
        "scope-a-permission-before-default",
        HEAD + GOOD + SECRET + "    scopes: [https://graph.microsoft.com/User.Read/.default]\n",
        [
            "7:14: profiles.prod.scopes[0]: 'https://graph.microsoft.com/User.Read/.default' "
            + NOT_APP_ONLY
            + "\n  hint: ask for 'https://graph.microsoft.com/.default'"
        ],
    ),
    (
        "scope-a-bare-permission",
        HEAD + GOOD + SECRET + "    scopes: [User.Read.All]\n",
        ["7:14: profiles.prod.scopes[0]: 'User.Read.All' " + NOT_APP_ONLY + "\n  hint: " + NAME_THE_RESOURCE],
    ),
    (
        "scope-of-an-api-with-a-path",
        HEAD + GOOD + SECRET + "    scopes: ['api://contoso.com/inventory/Items.Read']\n",
        [
            "7:14: profiles.prod.scopes[0]: 'api://contoso.com/inventory/Items.Read' "
            + NOT_APP_ONLY
            + "\n  hint: ask for 'api://contoso.com/inventory/.default'"
        ],
    ),
    (
        "subscription-id-not-a-guid",
        HEAD + GOOD + SECRET + "    subscription_id: Contoso Production\n",
        [
            "7:22: profiles.prod.subscription_id: 'Contoso Production' is not a GUID "
            "(expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        ],
    ),
    (
        "scopes-every-bad-one-at-its-own-place",
        HEAD + GOOD + SECRET + "    scopes:\n      - https://graph.microsoft.com/.default\n      - User.Read.All\n"
        "      - 'api://contoso.com/inventory/Items.Read'\n      - https://vault.azure.net/.default\n"
        "      - https://graph.microsoft.us/Group.Read.All\n",
        [
            "9:9: profiles.prod.scopes[1]: 'User.Read.All' " + NOT_APP_ONLY + "\n  hint: " + NAME_THE_RESOURCE,
            "10:9: profiles.prod.scopes[2]: 'api://contoso.com/inventory/Items.Read' "
            + NOT_APP_ONLY
            + "\n  hint: ask for 'api://contoso.com/inventory/.default'",
            "12:9: profiles.prod.scopes[4]: 'https://graph.microsoft.us/Group.Read.All' "
            + NOT_APP_ONLY
            + "\n  hint: ask for 'https://graph.microsoft.us/.default'",
        ],
    ),
    (
        "scopes-a-templates-bad-scope-once-where-written",
        "version: 1\ntemplates:\n  t: {scopes: [Directory.Read.All, 'https://graph.microsoft.com/.default']}\n"
        "profiles:\n  prod:\n    extends: t\n" + GOOD + SECRET + "  other:\n    extends: t\n" + GOOD + SECRET,
        ["3:16: templates.t.scopes[0]: 'Directory.Read.All' " + NOT_APP_ONLY + "\n  hint: " + NAME_THE_RESOURCE],
    ),
]
CASES += [  # issue #9: inheritance and groups that recursed without end or grew exponentially
    (
        "extends-chain-deeper-than-64",
        "version: 1\ntemplates:\n"
        + "".join(f"  t{i}: {{extends: t{i + 1}}}\n" for i in range(100))
        + "  t100: {cloud: Global}\nprofiles:\n  prod:\n    extends: t0\n"
        + GOOD
        + SECRET,
        [
            "66:18: templates.t63.extends: extends goes more than 64 deep (prod → template:t0 → template:t1 → …)"
            "\n  hint: a profile needs a few templates: merge the chain into fewer of them"
        ],
    ),
    (
        "extends-diamonds-that-double-at-each-step",
        "version: 1\ntemplates:\n"
        + "".join(f"  t{i}: {{extends: [t{i + 1}, t{i + 2}]}}\n" for i in range(40))
        + "  t40: {cloud: Global}\n  t41: {cloud: Global}\nprofiles:\n  prod:\n    extends: t0\n"
        + GOOD
        + SECRET,
        ["41:24: templates.t38.extends[1]: extends goes over 256 layers (prod → template:t0 → template:t1 → …)"],
    ),
    (
        "groups-nested-3000-deep-with-a-cycle",
        HEAD
        + GOOD
        + SECRET
        + "groups:\n"
        + "".join(f"  g{i}: [g{i + 1}]\n" for i in range(3000))
        + "  g3000: [prod, g0]\n",
        ["8:8: groups.g0[0]: group cycle: g0 → g1 → g2 → g3 → … → g3000 → g0"],
    ),
    (
        "groups-that-double-at-each-step-with-a-cycle",
        HEAD
        + GOOD
        + SECRET
        + "groups:\n"
        + "".join(f"  g{i}: [g{i + 1}, g{i + 2}]\n" for i in range(60))
        + "  g60: [prod]\n  g61: [g0]\n",
        ["8:8: groups.g0[0]: group cycle: g0 → g1 → g2 → g3 → … → g61 → g0"],
    ),
]
