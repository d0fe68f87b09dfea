/**
 * An HTTPS "internet" on loopback for proxy tests: a forward proxy that answers CONNECT for any host by
 * tunnelling to a TLS front of the emulator. The certificate is made per run for one made-up host name,
 * and the action trusts it through NODE_EXTRA_CA_CERTS, so nothing leaves the machine.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, type Socket, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'

export interface HttpsProxy {
  /** For https_proxy, e.g. http://127.0.0.1:PORT. */
  proxyUrl: string
  /** The CA certificate file for NODE_EXTRA_CA_CERTS. */
  caFile: string
  /** Targets of the CONNECT requests received, e.g. "open.feishu.test:443". */
  connects: string[]
  close(): Promise<void>
}

/** `hostname` is served with a certificate made for it; every tunnel leads to `emulatorPort` on loopback. */
export async function startHttpsProxy(hostname: string, emulatorPort: number): Promise<HttpsProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-cert-'))
  const keyFile = join(dir, 'key.pem')
  const caFile = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${hostname}`,
      '-addext',
      `subjectAltName=DNS:${hostname}`,
      '-keyout',
      keyFile,
      '-out',
      caFile,
    ],
    { stdio: 'ignore' },
  )

  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const tlsFront = createTlsServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, secure => {
    track(secure)
    const upstream = connect(emulatorPort, '127.0.0.1')
    track(upstream)
    secure.pipe(upstream).pipe(secure)
  })
  const tlsPort = await listen(tlsFront)

  const connects: string[] = []
  const proxy = createServer((_, res) => res.writeHead(405).end())
  proxy.on('connect', (req, client: Socket, head: Buffer) => {
    track(client)
    connects.push(req.url ?? '')
    const tunnel = connect(tlsPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      tunnel.write(head)
      tunnel.pipe(client).pipe(tunnel)
    })
    track(tunnel)
  })
  const proxyPort = await listen(proxy)

  return {
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    caFile,
    connects,
    async close() {
      for (const socket of sockets) socket.destroy()
      await Promise.all([proxy, tlsFront].map(server => new Promise(resolve => server.close(resolve))))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function listen(server: Server | ReturnType<typeof createTlsServer>): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}
