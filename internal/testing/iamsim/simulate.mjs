// Evaluates IAM requests with @cloud-copilot/iam-simulate, for the Go
// package beside this file (simulate.go), which runs it as
// `node simulate.mjs` with a JSON list of requests on standard input and
// reads one JSON decision per request from standard output.
//
// Each request is {principal, action, resource, accountId, context,
// policies: [{name, document}], resourcePolicy}; each decision is
// {result, errors, ignoredContextKeys}, result being iam-simulate's
// Allowed, ImplicitlyDenied or ExplicitlyDenied, or "Error" when the
// simulation could not run (errors says why).
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const decisions = []
for (const r of requests) {
  const simulation = {
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: r.accountId },
      contextVariables: r.context ?? {}
    },
    identityPolicies: (r.policies ?? []).map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: []
  }
  if (r.resourcePolicy) simulation.resourcePolicy = r.resourcePolicy
  // Strict: the request is evaluated exactly as given, so a condition key
  // it does not carry is absent, as it would be on AWS.
  const out = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (out.resultType === 'error') {
    decisions.push({ result: 'Error', errors: JSON.stringify(out.errors), ignoredContextKeys: [] })
    continue
  }
  const results = out.resultType === 'single' ? [out.result] : out.results
  const ignored = new Set()
  for (const res of results) for (const k of res.ignoredContextKeys ?? []) ignored.add(k)
  decisions.push({ result: out.overallResult, errors: '', ignoredContextKeys: [...ignored] })
}
process.stdout.write(JSON.stringify(decisions))
