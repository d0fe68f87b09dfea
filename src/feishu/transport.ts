import * as http from 'node:http'
import * as https from 'node:https'
import { HttpClient } from '@actions/http-client'
import { type CallFailure, Failure } from './errors.js'
import { clean } from './redact.js'

/**
 * The most of any answer that is read. Feishu's answers here are a few kB, a page of 100 periods some tens of
 * kB; anything larger is not an answer to these calls, and reading it whole would let a server fill memory.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024

export interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

export interface Request {
  /** For the failure's message: what the action was doing. */
  operation: string
  url: URL
  method: string
  headers: http.OutgoingHttpHeaders
  payload?: string
}

/** Connection errors that mean the request never reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

/**
 * One HTTP exchange at a time, aborted as a whole (connect, send, wait, read) at the timeout, and cut off at
 * MAX_ANSWER_BYTES. Requests are made with node:http(s), so that the whole exchange can be aborted and a reset
 * mid-body is seen; the toolkit's client supplies the agent, the one that honours https_proxy and no_proxy.
 */
export class Transport {
  private readonly agents = new HttpClient('feishu-okr-period', [], { keepAlive: true })

  /** `timeoutName` is what the user calls the timeout, for the message that says it ran out. */
  constructor(
    private readonly timeoutMs: number,
    private readonly timeoutName?: string,
  ) {}

  async exchange(request: Request): Promise<Answer> {
    try {
      return await this.send(request)
    } catch (error) {
      throw error instanceof Failure ? error : this.failure(request.operation, error)
    }
  }

  dispose(): void {
    this.agents.dispose()
  }

  private send({ operation, url, method, headers, payload }: Request): Promise<Answer> {
    const transport = url.protocol === 'https:' ? https : http
    const agent = this.agents.getAgent(url.href)
    return new Promise((resolve, reject) => {
      const outgoing = transport.request(
        url,
        { method, headers, agent, signal: AbortSignal.timeout(this.timeoutMs) },
        response => {
          const tooLarge = (): void => {
            reject(tooLargeFailure(operation, response.statusCode))
            outgoing.destroy()
          }
          if (Number(response.headers['content-length']) > MAX_ANSWER_BYTES) return tooLarge()
          const chunks: Buffer[] = []
          let size = 0
          response.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > MAX_ANSWER_BYTES) return tooLarge()
            chunks.push(chunk)
          })
          response.on('error', reject)
          response.on('close', () => {
            if (!response.complete)
              reject(Object.assign(new Error('the connection closed mid-answer'), { code: 'ECONNRESET' }))
          })
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          )
        },
      )
      outgoing.on('error', reject)
      outgoing.end(payload)
    })
  }

  private failure(operation: string, error: unknown): CallFailure {
    const { name, code, message } = error as { name?: string; code?: unknown; message?: string }
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new Failure({
        kind: 'timeout',
        operation,
        detail: `no answer within ${this.timeoutMs / 1000} s${this.timeoutName ? ` (${this.timeoutName})` : ''}`,
        unanswered: true,
      })
    }
    const cause = typeof code === 'string' ? clean(code) : clean(message ?? String(error))
    return new Failure({
      kind: 'network',
      operation,
      detail: `the connection failed (${cause})`,
      unanswered: !NOT_SENT.has(cause),
    })
  }
}

function tooLargeFailure(operation: string, status: number | undefined): CallFailure {
  return new Failure({
    kind: 'too-large',
    operation,
    status,
    detail: `HTTP ${status}, an answer larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB, the most any answer may be; the rest was not read`,
    // A 2xx answer too large to read may hide that the request acted.
    unanswered: status === undefined || status < 300 || status >= 500,
  })
}
