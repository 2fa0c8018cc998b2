// A TCP forwarder on loopback between a client and a real server, which a test can cut and restore:
// what a server that stops, drops its connections or goes away for a while looks like from the client.
#pragma once

#include <mutex>
#include <thread>
#include <vector>

namespace sql2mongo::testing {

class CuttableProxy {
 public:
  explicit CuttableProxy(int server_port);
  ~CuttableProxy();
  CuttableProxy(const CuttableProxy&) = delete;
  CuttableProxy& operator=(const CuttableProxy&) = delete;

  int port() const { return port_; }
  // Closes every connection and stops accepting: new connections are refused, as by a stopped server.
  void Cut();
  // Accepts again, on the same port.
  void Resume();

 private:
  void Listen();
  void Accept(int listener);
  static void Pump(int from, int to);

  int server_port_;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  int listener_ = -1;
  bool cut_ = false;
  std::vector<int> sockets_;
  std::vector<std::thread> pumps_;
};

}  // namespace sql2mongo::testing
