/* layout.c prints the offsets and sizes of the iphlpapi structures that
   platform/iphlpapi decodes, from the Windows SDK headers as mingw-w64 ships
   them. Build and run (the output is what layout.go's constants hold):
     x86_64-w64-mingw32-gcc -o layout.exe layout.c && wine layout.exe
   It is not part of the Go build. */
#define _WIN32_WINNT 0x0A00
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <stdio.h>
#include <stddef.h>
#define O(t,f) printf("%s.%s %u\n", #t, #f, (unsigned)offsetof(t,f))
#define S(t) printf("sizeof %s %u\n", #t, (unsigned)sizeof(t))
int main(void){
 S(MIB_TCPROW_OWNER_PID); O(MIB_TCPTABLE_OWNER_PID,table);
 S(MIB_TCP6ROW_OWNER_PID); O(MIB_TCP6ROW_OWNER_PID,dwLocalScopeId);O(MIB_TCP6ROW_OWNER_PID,dwLocalPort);O(MIB_TCP6ROW_OWNER_PID,ucRemoteAddr);O(MIB_TCP6ROW_OWNER_PID,dwRemoteScopeId);O(MIB_TCP6ROW_OWNER_PID,dwRemotePort);O(MIB_TCP6ROW_OWNER_PID,dwState);O(MIB_TCP6ROW_OWNER_PID,dwOwningPid);O(MIB_TCP6TABLE_OWNER_PID,table);
 S(MIB_UDPROW_OWNER_PID); O(MIB_UDPTABLE_OWNER_PID,table);
 S(MIB_UDP6ROW_OWNER_PID); O(MIB_UDP6ROW_OWNER_PID,dwLocalScopeId);O(MIB_UDP6ROW_OWNER_PID,dwLocalPort);O(MIB_UDP6ROW_OWNER_PID,dwOwningPid);O(MIB_UDP6TABLE_OWNER_PID,table);
 S(MIB_IPSTATS); O(MIB_IPSTATS,dwInReceives);O(MIB_IPSTATS,dwForwDatagrams);O(MIB_IPSTATS,dwRoutingDiscards);O(MIB_IPSTATS,dwFragCreates);O(MIB_IPSTATS,dwNumRoutes);
 S(MIB_TCPSTATS); O(MIB_TCPSTATS,dwActiveOpens);O(MIB_TCPSTATS,dwInSegs);O(MIB_TCPSTATS,dwOutRsts);O(MIB_TCPSTATS,dwNumConns);
 S(MIB_UDPSTATS);
 S(MIB_ICMP_EX); O(MIB_ICMP_EX,icmpOutStats); O(MIBICMPSTATS_EX,rgdwTypeCount);
 S(SOCKADDR_INET); S(SOCKADDR_IN); S(SOCKADDR_IN6); O(SOCKADDR_IN6,sin6_addr);O(SOCKADDR_IN6,sin6_scope_id);O(SOCKADDR_IN,sin_addr);
 S(IP_ADDRESS_PREFIX); O(IP_ADDRESS_PREFIX,PrefixLength);
 S(MIB_IPFORWARD_ROW2); O(MIB_IPFORWARD_ROW2,InterfaceIndex);O(MIB_IPFORWARD_ROW2,DestinationPrefix);O(MIB_IPFORWARD_ROW2,NextHop);O(MIB_IPFORWARD_ROW2,SitePrefixLength);O(MIB_IPFORWARD_ROW2,ValidLifetime);O(MIB_IPFORWARD_ROW2,PreferredLifetime);O(MIB_IPFORWARD_ROW2,Metric);O(MIB_IPFORWARD_ROW2,Protocol);O(MIB_IPFORWARD_ROW2,Loopback);O(MIB_IPFORWARD_ROW2,AutoconfigureAddress);O(MIB_IPFORWARD_ROW2,Publish);O(MIB_IPFORWARD_ROW2,Immortal);O(MIB_IPFORWARD_ROW2,Age);O(MIB_IPFORWARD_ROW2,Origin); O(MIB_IPFORWARD_TABLE2,Table);
 S(MIB_IPINTERFACE_ROW); O(MIB_IPINTERFACE_ROW,InterfaceLuid);O(MIB_IPINTERFACE_ROW,InterfaceIndex);O(MIB_IPINTERFACE_ROW,UseAutomaticMetric);O(MIB_IPINTERFACE_ROW,Metric);O(MIB_IPINTERFACE_ROW,NlMtu);O(MIB_IPINTERFACE_ROW,Connected);O(MIB_IPINTERFACE_ROW,DisableDefaultRoutes); O(MIB_IPINTERFACE_TABLE,Table);
 S(MIB_IF_ROW2); O(MIB_IF_ROW2,InterfaceIndex);O(MIB_IF_ROW2,InterfaceGuid);O(MIB_IF_ROW2,Alias);O(MIB_IF_ROW2,Description);O(MIB_IF_ROW2,PhysicalAddressLength);O(MIB_IF_ROW2,PhysicalAddress);O(MIB_IF_ROW2,PermanentPhysicalAddress);O(MIB_IF_ROW2,Mtu);O(MIB_IF_ROW2,Type);O(MIB_IF_ROW2,InterfaceAndOperStatusFlags);O(MIB_IF_ROW2,OperStatus);O(MIB_IF_ROW2,AdminStatus);O(MIB_IF_ROW2,MediaConnectState);O(MIB_IF_ROW2,TransmitLinkSpeed);
 O(MIB_IF_ROW2,InOctets);O(MIB_IF_ROW2,InUcastPkts);O(MIB_IF_ROW2,InNUcastPkts);O(MIB_IF_ROW2,InDiscards);O(MIB_IF_ROW2,InErrors);O(MIB_IF_ROW2,InUnknownProtos);O(MIB_IF_ROW2,InUcastOctets);O(MIB_IF_ROW2,InMulticastOctets);O(MIB_IF_ROW2,InBroadcastOctets);O(MIB_IF_ROW2,OutOctets);O(MIB_IF_ROW2,OutUcastPkts);O(MIB_IF_ROW2,OutNUcastPkts);O(MIB_IF_ROW2,OutDiscards);O(MIB_IF_ROW2,OutErrors);O(MIB_IF_ROW2,OutUcastOctets);O(MIB_IF_ROW2,OutMulticastOctets);O(MIB_IF_ROW2,OutBroadcastOctets);O(MIB_IF_ROW2,OutQLen); O(MIB_IF_TABLE2,Table);
 S(MIB_UNICASTIPADDRESS_ROW); O(MIB_UNICASTIPADDRESS_ROW,InterfaceLuid);O(MIB_UNICASTIPADDRESS_ROW,InterfaceIndex);O(MIB_UNICASTIPADDRESS_ROW,PrefixOrigin);O(MIB_UNICASTIPADDRESS_ROW,SuffixOrigin);O(MIB_UNICASTIPADDRESS_ROW,OnLinkPrefixLength);O(MIB_UNICASTIPADDRESS_ROW,SkipAsSource);O(MIB_UNICASTIPADDRESS_ROW,DadState);O(MIB_UNICASTIPADDRESS_ROW,ScopeId);O(MIB_UNICASTIPADDRESS_ROW,CreationTimeStamp);O(MIB_UNICASTIPADDRESS_TABLE,Table);
 return 0;}
