// Gets an Exchange token from m365sim with msal-node (argv: authority appId certPem keyPem).
const msal = require('@azure/msal-node');
const fs = require('fs');
const crypto = require('crypto');
const [authority, clientId, certFile, keyFile] = process.argv.slice(2);
const certPem = fs.readFileSync(certFile, 'utf8');
const der = Buffer.from(certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const thumbprintSha256 = crypto.createHash('sha256').update(der).digest('hex');
const host = new URL(authority).host;
const app = new msal.ConfidentialClientApplication({
  auth: {
    clientId, authority, knownAuthorities: [host],
    clientCertificate: { thumbprintSha256, privateKey: fs.readFileSync(keyFile, 'utf8') },
  },
});
app.acquireTokenByClientCredential({ scopes: ['https://outlook.office365.com/.default'] })
  .then(r => { console.log(JSON.stringify({ ok: true, token: r.accessToken.length > 0, expiresOn: r.expiresOn })); })
  .catch(e => { console.log(JSON.stringify({ ok: false, error: String(e) })); process.exit(1); });
