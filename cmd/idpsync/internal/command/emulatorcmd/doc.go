// Package emulatorcmd is `idpsync emulator`: it serves the Cloudflare API
// emulator on a local port, as a stand-in for the real API.
//
// It only wires flags to package emulator and prints the banner; it must not
// import another command package nor any client package.
package emulatorcmd
