/**
 * The `bare-http` path of `npm run bench`: the plain path's two requests (token, create) made by bare Node with
 * node:http on one kept-alive connection, no toolkit and no action. bare-http − node is what those requests cost
 * in any Node process, the first request's one-time set-up included, so that plain − floor can be read against it.
 *   node build/script/bench-requests.js BASE_URL APP_ID APP_SECRET RULE_ID START_MONTH
 */
import { Agent, request } from 'node:http'

const [baseUrl, appId, appSecret, ruleId, startMonth] = process.argv.slice(2)
const agent = new Agent({ keepAlive: true })

function post(path: string, body: object, token?: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }
    if (token) headers['authorization'] = `Bearer ${token}`
    const outgoing = request(new URL(path, baseUrl), { method: 'POST', agent, headers }, response => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>))
    })
    outgoing.on('error', reject)
    outgoing.end(JSON.stringify(body))
  })
}

const auth = await post('/open-apis/auth/v3/tenant_access_token/internal', { app_id: appId, app_secret: appSecret })
const created = await post(
  '/open-apis/okr/v1/periods',
  { period_rule_id: ruleId, start_month: startMonth },
  String(auth['tenant_access_token']),
)
agent.destroy()
process.exitCode = created['code'] === 0 ? 0 : 1
