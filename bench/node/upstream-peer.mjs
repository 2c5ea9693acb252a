// The stock PeerJS server (npm peer 1.0.2, its PeerServer, unmodified) on 127.0.0.1:$PORT with the command
// line's defaults (path /, key peerjs, alive_timeout 60 s), for bench/compare-peerjs.sh.
import { PeerServer } from 'peer'

PeerServer({ host: '127.0.0.1', port: Number(process.env.PORT), path: '/', alive_timeout: 60000 })
