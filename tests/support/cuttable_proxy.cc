#include "support/cuttable_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sql2mongo::testing {

CuttableProxy::CuttableProxy(int server_port) : server_port_(server_port) { Listen(); }

CuttableProxy::~CuttableProxy() {
  Cut();
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& pump : pumps_) pump.join();
  for (int fd : sockets_) close(fd);
}

void CuttableProxy::Listen() {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // the same port again after a cut
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port_));
  bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
  listen(listener, 16);
  socklen_t length = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  {
    std::lock_guard lock(mutex_);
    listener_ = listener;
    cut_ = false;
  }
  acceptor_ = std::thread([this, listener] { Accept(listener); });
}

void CuttableProxy::Cut() {
  std::lock_guard lock(mutex_);
  if (cut_) return;
  cut_ = true;
  shutdown(listener_, SHUT_RDWR);
  close(listener_);
  for (int fd : sockets_) shutdown(fd, SHUT_RDWR);
}

void CuttableProxy::Resume() {
  Cut();
  if (acceptor_.joinable()) acceptor_.join();
  Listen();
}

void CuttableProxy::Accept(int listener) {
  while (true) {
    int client = accept(listener, nullptr, nullptr);
    if (client < 0) return;
    int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(server_port_));
    connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address);
    std::lock_guard lock(mutex_);
    if (cut_) {
      close(client);
      close(server);
      return;
    }
    sockets_.push_back(client);
    sockets_.push_back(server);
    pumps_.emplace_back([=] { Pump(client, server); });
    pumps_.emplace_back([=] { Pump(server, client); });
  }
}

void CuttableProxy::Pump(int from, int to) {
  char buffer[65536];
  ssize_t n;
  while ((n = recv(from, buffer, sizeof buffer, 0)) > 0) {
    if (send(to, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
  }
  shutdown(to, SHUT_RDWR);
}

}  // namespace sql2mongo::testing
